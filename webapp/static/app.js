// Small enhancements; the page works without them.
(function () {
  // On a phone the filters fold behind their "Lọc kết quả" / "Filter results" button.
  var facets = document.querySelector("details.facets");
  if (facets && window.matchMedia("(max-width: 40rem)").matches) {
    facets.open = false;
  }
})();

// An ARIA 1.2 combobox with a listbox popup, for the search box and the long facets.
// Without JS the inputs stay plain fields, so the combobox role is only set here.
// fetchValues(text) resolves to [{label, value}]; choose(option) acts on the chosen one.
function combobox(input, list, fetchValues, choose) {
  var active = -1;
  var timer = null;
  var asked = 0; // number of the latest request: slower, older answers are dropped
  var shown = [];

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  input.parentNode.style.position = "relative";
  list.style.cssText = "position:absolute;z-index:10;left:0;right:0;margin:0;padding:0;" +
    "list-style:none;background:#fff;border:1px solid #8c959f;border-radius:6px;";

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    shown = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = options();
    if (!items.length) {
      return;
    }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      var on = i === active;
      items[i].setAttribute("aria-selected", on ? "true" : "false");
      items[i].style.background = on ? "#dde7f3" : "";
    }
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function pick(option) {
    close();
    choose(option);
  }

  function show(values) {
    list.textContent = "";
    active = -1;
    shown = values;
    values.forEach(function (option, i) {
      var item = document.createElement("li");
      item.id = list.id.replace(/s$/, "") + "-" + i; // "q-suggestions" → "q-suggestion-0"
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.style.cssText = "padding:.4rem .7rem;cursor:pointer;";
      item.textContent = option.label; // harvested text: never as HTML
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep focus in the input
        pick(option);
      });
      list.appendChild(item);
    });
    list.hidden = values.length === 0;
    input.setAttribute("aria-expanded", values.length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) {
      close();
      return;
    }
    var number = ++asked;
    fetchValues(text)
      .then(function (values) {
        if (number === asked && values && document.activeElement === input) {
          show(values);
        }
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) { highlight(active + 1); } else { ask(); }
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(shown[active]);
    } else if (event.key === "Enter" && input.dataset.facet) {
      event.preventDefault(); // a facet's finder never submits the filter form half-typed
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}

function getJSON(url) {
  return fetch(url).then(function (response) { return response.ok ? response.json() : null; });
}

// Type-ahead on the search box: completions from /api/suggest; choosing one searches it.
(function () {
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !input.dataset.suggestUrl || !window.fetch) {
    return;
  }
  combobox(input, list, function (text) {
    return getJSON(input.dataset.suggestUrl + "?q=" + encodeURIComponent(text))
      .then(function (data) {
        return data && data.ok ? data.suggestions.map(function (value) {
          return { label: value, value: value };
        }) : null;
      });
  }, function (option) {
    input.value = option.value;
    input.form.submit();
  });
})();

// Finding a value in a long facet (subjects): the values of the current search that have a
// word starting with the typed text, from /api/facets/<name>; choosing one applies it.
(function () {
  if (!window.fetch || !window.URL) {
    return;
  }
  var inputs = document.querySelectorAll("input[data-values-url]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) {
      return;
    }
    input.parentNode.hidden = false;
    combobox(input, list, function (text) {
      var url = new URL(input.dataset.valuesUrl, window.location.href);
      url.searchParams.set("contains", text);
      url.searchParams.set("limit", "10");
      return getJSON(url.toString()).then(function (data) {
        return data && data.ok ? data.values.map(function (found) {
          return { label: found.value + " (" + found.count + ")", value: found.value };
        }) : null;
      });
    }, function (option) {
      var url = new URL(input.dataset.applyUrl, window.location.href);
      url.searchParams.append(input.dataset.facet, option.value);
      url.searchParams.delete("page");
      window.location.assign(url.toString());
    });
  });
})();
