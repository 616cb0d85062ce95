// Proposal editor enhancements. Every form works without them (plain POST).
(function () {
  "use strict";

  // htmx copies the "style" attribute while settling a swapped element, which
  // the Content Security Policy (no inline styles) refuses: settle the others only.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function isStatus(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "save-status";
  }

  // A refused autosave (400, 409) still shows its message in the status area.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isStatus(event) && (event.detail.xhr.status === 400 || event.detail.xhr.status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isStatus(event)) return;
    var status = document.getElementById("save-status");
    if (status && !status.querySelector(".alert")) {
      status.innerHTML = '<span class="text-body-secondary"><span class="spinner-border spinner-border-sm" aria-hidden="true"></span> Saving…</span>';
    }
  });

  // After a successful save a file has been uploaded: clear the input so that
  // the next autosave does not send it again.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isStatus(event) || !event.detail.successful) return;
    var form = event.detail.elt;
    if (form && form.querySelectorAll) {
      form.querySelectorAll('input[type="file"]').forEach(function (input) { input.value = ""; });
    }
  });

  // Shares of the volume: show the running total next to the inputs.
  function shareTotal(form) {
    var output = document.getElementById("share-total");
    if (!output) return;
    var total = 0;
    form.querySelectorAll("input[data-share]").forEach(function (input) {
      var value = parseFloat((input.value || "").replace(",", "."));
      if (!isNaN(value)) total += value;
    });
    total = Math.round(total * 100) / 100;
    output.textContent = total + " %";
    output.classList.toggle("text-success", total === 100);
    output.classList.toggle("text-danger", total > 100);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-shares]").forEach(function (form) {
      form.addEventListener("input", function () { shareTotal(form); });
      shareTotal(form);
    });
    // An alternative SLA value only matters when the target is not accepted.
    document.querySelectorAll("[data-sla]").forEach(function (group) {
      var sync = function () {
        var propose = group.querySelector('input[type="radio"][value="no"]');
        var details = group.querySelector("[data-sla-alternative]");
        if (details && propose) details.hidden = !propose.checked && !details.querySelector(".is-invalid");
      };
      group.addEventListener("change", sync);
      sync();
    });
  });
})();
