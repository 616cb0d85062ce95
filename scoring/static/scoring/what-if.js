// The what-if sliders show their value; htmx sends the form (nothing is saved).
(function () {
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".what-if input[type=range]")) return;
    var output = document.getElementById(input.id + "_value");
    if (output) output.textContent = input.value;
  });
})();
