// Progressive enhancement only: every page works without it. Choosing a filter of the models
// list shows the result at once.
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (form && form.className === "filters" && event.target.tagName === "SELECT") { form.submit(); }
});

// Live pages (web/live.py): while the tab is visible, ask /live for the chain head once a
// second; when it moved past the page's data-seq, fetch the page again and replace its <main>,
// unless someone is typing in a form or has changed one (nothing typed is ever lost).
(function () {
  var body = document.body, busy = false, timer;
  if (!body.hasAttribute("data-seq") || !window.fetch || !window.DOMParser) { return; }
  function edited() {
    var active = document.activeElement, fields = document.querySelectorAll("main input, main textarea, main select");
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.type !== "submit") { return true; }
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "checkbox" || f.type === "radio" ? f.checked !== f.defaultChecked
          : f.tagName === "SELECT" ? [].some.call(f.options, function (o) { return o.selected !== o.defaultSelected; })
          : f.type !== "hidden" && f.value !== f.defaultValue) { return true; }
    }
    return false;
  }
  function json(answer) {
    if (answer.status === 401) { clearInterval(timer); }  // signed out: nothing more to ask
    return answer.ok ? answer.json() : null;
  }
  function tick() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch("/live", {cache: "no-store"}).then(json).then(function (head) {
      if (!head || String(head.seq) === body.getAttribute("data-seq") || edited()) { return; }
      return fetch(location.href, {cache: "no-store"}).then(function (answer) {
        return answer.ok && !answer.redirected ? answer.text() : null;
      }).then(function (text) {
        var fresh = text && new DOMParser().parseFromString(text, "text/html"),
            main = fresh && fresh.querySelector("main"), live = document.getElementById("live");
        if (!main || edited() || !fresh.body.hasAttribute("data-seq")) { return; }
        document.querySelector("main").replaceWith(document.adoptNode(main));
        body.setAttribute("data-seq", fresh.body.getAttribute("data-seq"));
        if (live) { live.textContent = ""; setTimeout(function () { live.textContent = "Updated"; }, 100); }
      });
    }).catch(function () {}).then(function () { busy = false; });
  }
  timer = setInterval(tick, 1000);
  document.addEventListener("visibilitychange", tick);
}());
