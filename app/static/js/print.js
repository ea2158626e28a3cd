// "Print" buttons ([data-print]) open the browser's print dialog; the page's print stylesheet
// lays the page out on paper (A4, or half a page for a slip).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });
})();
