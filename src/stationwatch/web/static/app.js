/* Small conveniences; every page works without them. */
(function () {
  "use strict";
  // Date controls apply as soon as a full date is chosen.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll("input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!input.value || /^\d{4}-\d{2}-\d{2}$/.test(input.value)) form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  });
  // Empty date fields are left out of the URL.
  document.querySelectorAll("form.dates").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input").forEach(function (i) { if (!i.value) i.disabled = true; });
    });
  });
  // Keep the focused excerpt in view on the source page.
  var focus = document.querySelector(".doc-text mark.focus, .doc-text mark.hit");
  if (focus && !location.hash) focus.scrollIntoView({ block: "center" });
})();
