// Progressive enhancement only: every page works without it. Choosing an "as of" date or a
// filter shows the result at once.
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (form && form.method === "get" && event.target.tagName !== "INPUT") { form.submit(); }
  if (form && form.className === "asof" && event.target.value) { form.submit(); }
});
