// Public portal: while the visitor types the subject and the description of a request, offer
// the knowledge-base articles that answer it. Works without it (the form is plain HTML); opens
// articles in a new tab so that nothing typed is lost. The description is sent only where the
// form marks it (never on the denunciation form): its first 500 characters.
(function () {
  "use strict";
  var subject = document.getElementById("subject");
  var description = document.querySelector("#description[data-suggest]");
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
    var text = description ? description.value.trim().slice(0, 500) : "";
    var key = q + "\n" + text;
    if (key === last) return;
    last = key;
    if ((q + text).length < 3) { show([]); return; }
    var mine = ++seq;
    var url = "/kb-suggest?q=" + encodeURIComponent(q);
    if (text) url += "&text=" + encodeURIComponent(text);
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (mine === seq) show(items); })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  }
  subject.addEventListener("input", later);
  if (description) description.addEventListener("input", later);
  if (subject.value) ask();
})();

// The menu on a phone: a button opens and closes the navigation. Without this script the
// navigation simply stays open (the button is hidden).
(function () {
  "use strict";
  var button = document.getElementById("menu-button");
  var nav = document.getElementById("portal-nav");
  if (!button || !nav) return;
  var header = button.parentNode;
  header.classList.add("has-menu");
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();

// The confirmation page: copy the tracking address, print the receipt. Without this script the
// address is selectable text and the browser prints the page as it is.
(function () {
  "use strict";
  var copy = document.getElementById("copy-link");
  var print = document.getElementById("print-receipt");
  var done = document.getElementById("copy-done");
  var field = document.getElementById("track-url");
  if (field) {
    field.addEventListener("focus", function () { field.select(); });
  }
  if (copy && field) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      function said() { if (done) done.textContent = done.getAttribute("data-text"); }
      field.focus();
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(said, function () {
          try { document.execCommand("copy"); said(); } catch (e) { /* selected: the visitor copies */ }
        });
      } else {
        try { document.execCommand("copy"); said(); } catch (e) { /* selected: the visitor copies */ }
      }
    });
  }
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
