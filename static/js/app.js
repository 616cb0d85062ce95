// Small progressive enhancements; every page works without them.
(function () {
  function enhance(root) {
    // Move focus to an error summary so screen readers announce it.
    const summary = root.querySelector("[data-autofocus]");
    if (summary) summary.focus();
    // Progress bars: width from data-width (CSP forbids inline style attributes).
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width") + "%";
    });
    root.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
})();
