// Small page behaviours declared by data attributes, because the Content-Security-Policy
// allows no inline event handlers (onclick=, onsubmit=, onchange=). Delegated from the
// document, so content swapped in by htmx works too.
//   data-confirm="问题"      on a form (submit) or a button (click): ask before going on
//   data-autosubmit          on a select: submit its form on change (with data-copy-to="name":
//                            first copy a non-empty value into that field, else do nothing)
//   data-year-url=".../0000" on a form: go to that URL with 0000 replaced by its year field
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-confirm]:not(form)");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (form.matches("form[data-year-url]")) {
      event.preventDefault();
      window.location = form.getAttribute("data-year-url").replace("0000", form.elements.year.value);
    }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches("select[data-autosubmit]") || !select.form) { return; }
    var target = select.getAttribute("data-copy-to");
    if (target) {
      if (!select.value) { return; }
      select.form.elements[target].value = select.value;
    }
    select.form.submit();
  });
})();
