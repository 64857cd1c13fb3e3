// hqdesk console, knowledge editor: the slug made from the title as it is typed (until the slug
// is edited by hand), and a live preview of the Markdown rendered by the server with the
// portal's own renderer (POST /console/kb/preview, debounced). Without this script the form
// still works: the server makes the slug from the title and shows the preview after saving.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) return;

  // Same folding as the server (hqdesk_services::kb::slug_from_title).
  function slugify(title) {
    var s = title.normalize("NFC").toLowerCase().normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đð]/g, "d");
    s = s.replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "");
    if (s.length > 120) s = s.slice(0, 120);
    return s.replace(/-+$/, "");
  }

  var title = document.getElementById("title");
  var slug = document.getElementById("slug");
  if (title && slug && !slug.readOnly) {
    var auto = slug.getAttribute("data-auto") === "1" || slug.value === "" ||
      slug.value === slugify(title.value);
    title.addEventListener("input", function () {
      if (auto) slug.value = slugify(title.value);
    });
    slug.addEventListener("input", function () {
      // Edited by hand: stop following the title (emptying it starts again).
      auto = slug.value === "";
      if (auto) slug.value = slugify(title.value);
    });
  }

  var body = document.getElementById("body");
  var out = document.getElementById("preview-body");
  var csrf = form.querySelector("input[name=csrf]");
  var url = form.getAttribute("data-preview");
  if (!body || !out || !csrf || !url) return;
  var timer = null;
  var sent = 0;
  function render() {
    var mine = ++sent;
    var data = new URLSearchParams();
    data.set("csrf", csrf.value);
    data.set("body", body.value);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: data.toString()
    }).then(function (r) {
      if (!r.ok) throw new Error("preview " + r.status);
      return r.text();
    }).then(function (html) {
      // Only the answer to the latest text counts; the HTML is sanitised by the server.
      if (mine === sent) out.innerHTML = html;
    }).catch(function () {
      if (mine === sent) {
        var p = document.createElement("p");
        p.className = "hint";
        p.textContent = form.getAttribute("data-preview-failed");
        out.replaceChildren(p);
      }
    });
  }
  body.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
})();
