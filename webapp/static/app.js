// Small enhancements; the page works without them.
(function () {
  // On a phone the filters fold behind their "Lọc kết quả" / "Filter results" button.
  var facets = document.querySelector("details.facets");
  if (facets && window.matchMedia("(max-width: 40rem)").matches) {
    facets.open = false;
  }
})();
