// RFP editor enhancements. Every form works without them.
(function () {
  "use strict";

  // A small rich-text editor over a <textarea data-rich-text>: the server sanitises
  // whatever it receives, so this only has to be pleasant.
  var TOOLS = [
    ["bold", null, "bi-type-bold", "Bold"],
    ["italic", null, "bi-type-italic", "Italic"],
    ["formatBlock", "h3", "bi-type-h3", "Heading"],
    ["formatBlock", "p", "bi-paragraph", "Normal paragraph"],
    ["insertUnorderedList", null, "bi-list-ul", "Bulleted list"],
    ["insertOrderedList", null, "bi-list-ol", "Numbered list"],
  ];

  function richText(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var editor = document.createElement("div");
    editor.className = "form-control";
    editor.contentEditable = "true";
    editor.id = textarea.id + "_editor";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || textarea.id + "_label";
      editor.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.focus(); });
    }
    if (textarea.getAttribute("aria-describedby")) {
      editor.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    if (textarea.classList.contains("is-invalid")) editor.classList.add("is-invalid");
    editor.innerHTML = textarea.value;
    editor.style.minHeight = "12rem";
    editor.style.overflowY = "auto";

    var toolbar = document.createElement("div");
    toolbar.className = "btn-toolbar gap-1 mb-1";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.setAttribute("aria-label", tool[3]);
      button.title = tool[3];
      button.innerHTML = '<i class="bi ' + tool[2] + '" aria-hidden="true"></i>';
      button.addEventListener("click", function () {
        editor.focus();
        document.execCommand(tool[0], false, tool[1]);
      });
      toolbar.appendChild(button);
    });

    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
    var sync = function () { textarea.value = editor.innerHTML; };
    editor.addEventListener("input", sync);
    if (textarea.form) textarea.form.addEventListener("submit", sync);
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function setRadio(form, name, value) {
    var radio = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (radio) radio.checked = true;
  }

  // Choosing a kind of charge fills in its usual unit, recurrence and volume.
  function chargeDefaults(select) {
    var defaults = readJson("charge-defaults");
    if (!defaults) return;
    select.addEventListener("change", function () {
      var d = defaults[select.value];
      if (!d) return;
      var form = select.form;
      setRadio(form, "recurrence", d[0]);
      var basis = form.querySelector('select[name="volume_basis"]');
      if (basis) basis.value = d[1];
      var unit = form.querySelector('input[name="unit"]');
      if (unit) unit.value = d[2];
      var description = form.querySelector('input[name="description"]');
      if (description && !description.value) {
        description.value = select.options[select.selectedIndex].text.replace(/ \(one-time\)$/, "");
      }
    });
  }

  // Choosing a metric fills in its usual unit and direction.
  function metricDefaults(select) {
    var defaults = readJson("metric-defaults");
    if (!defaults) return;
    select.addEventListener("change", function () {
      var d = defaults[select.value];
      if (!d) return;
      var form = select.form;
      var unit = form.querySelector('input[name="unit"]');
      if (unit) unit.value = d[0];
      setRadio(form, "direction", d[1]);
      var name = form.querySelector('input[name="name"]');
      if (name && !name.value && select.value !== "other") {
        name.value = select.options[select.selectedIndex].text;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old browsers */ }
    document.querySelectorAll("textarea[data-rich-text]").forEach(richText);
    document.querySelectorAll('select[data-defaults="charge"]').forEach(chargeDefaults);
    document.querySelectorAll('select[data-defaults="metric"]').forEach(metricDefaults);
  });
})();
