// Progressive enhancement only: every page works without it. Choosing a filter of the models
// list shows the result at once.
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (form && form.className === "filters" && event.target.tagName === "SELECT") { form.submit(); }
});
