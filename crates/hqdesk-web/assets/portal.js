// Public portal: while the visitor types the subject of a request, offer matching
// knowledge-base articles. Works without it (the form is plain HTML); opens articles in a new
// tab so that nothing typed is lost.
(function () {
  "use strict";
  var subject = document.getElementById("subject");
  var box = document.getElementById("suggestions");
  var list = document.getElementById("suggestion-list");
  if (!subject || !box || !list) return;
  var timer = null, last = "", seq = 0;
  function show(items) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (a) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/kb/" + encodeURIComponent(a.slug);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title; // never HTML: titles are data
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }
  function ask() {
    var q = subject.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 3) { show([]); return; }
    var mine = ++seq;
    fetch("/kb-suggest?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (mine === seq) show(items); })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }
  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  if (subject.value) ask();
})();
