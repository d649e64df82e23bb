// Small enhancements; the page works without them.
(function () {
  // On a phone the filters fold behind their "Lọc kết quả" / "Filter results" button.
  var facets = document.querySelector("details.facets");
  if (facets && window.matchMedia("(max-width: 40rem)").matches) {
    facets.open = false;
  }
})();

// Type-ahead on the search box: an ARIA 1.2 combobox with a listbox popup. Without JS the
// input stays a plain search field, so the combobox role is only set here.
(function () {
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !input.dataset.suggestUrl || !window.fetch) {
    return;
  }
  var form = input.form;
  var active = -1;
  var timer = null;
  var asked = 0; // number of the latest request: slower, older answers are dropped

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  form.style.position = "relative";
  list.style.cssText = "position:absolute;z-index:10;left:0;right:0;margin:0;padding:0;" +
    "list-style:none;background:#fff;border:1px solid #8c959f;border-radius:6px;";

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
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

  function choose(text) {
    input.value = text;
    close();
    form.submit();
  }

  function show(values) {
    list.textContent = "";
    active = -1;
    values.forEach(function (value, i) {
      var item = document.createElement("li");
      item.id = "q-suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.style.cssText = "padding:.4rem .7rem;cursor:pointer;";
      item.textContent = value; // harvested text: never as HTML
      item.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep focus in the input
        choose(value);
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
    fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(text))
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (number === asked && data && data.ok && document.activeElement === input) {
          show(data.suggestions);
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
      choose(options()[active].textContent);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
})();
