// The dashboard's harvest progress: polls /admin/api/progress while a harvest runs, then
// reloads the page for the new summary. Without script the page shows the state on reload.
(function () {
  var dashboard = document.getElementById("dashboard");
  if (!dashboard || !dashboard.querySelector('.job[data-state="running"]')) {
    return;
  }
  var url = dashboard.getAttribute("data-progress-url");

  function show(job) {
    var box = dashboard.querySelector('.job[data-library="' + CSS.escape(job.library) + '"]');
    if (!box) {
      return;
    }
    box.setAttribute("data-state", job.state);
    // textContent only: harvest output can hold anything a member's server sent.
    box.querySelector(".job-state").textContent = job.state_text;
    box.querySelector(".job-count").textContent = job.records_so_far_text;
    box.querySelector(".job-output").textContent = job.output.slice(-4).join("\n");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.ok) {
          return;
        }
        data.jobs.forEach(show);
        if (data.running.length) {
          window.setTimeout(poll, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
})();
