// hqdesk console: keyboard shortcuts, live queue updates (server-sent events), presence.
// Progressive enhancement only: every action also works as a plain form.
(function () {
  'use strict';
  var page = document.body.dataset.page;
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  // The list of shortcuts: "?" or the header's button. A modal <dialog> moves the focus in,
  // closes on Escape and gives the focus back.
  var help = document.getElementById('shortcuts');
  function openHelp() {
    if (!help || help.open) return;
    help.showModal();
    var close = document.getElementById('shortcuts-close');
    if (close) close.focus();
  }
  var helpButton = document.getElementById('shortcuts-open');
  if (helpButton) helpButton.addEventListener('click', openHelp);

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (help && help.open) return;
    if (typing(e)) { if (e.key === 'Escape') e.target.blur(); return; }
    if (e.key === '?') { e.preventDefault(); openHelp(); return; }
    if (e.key === '/') { var q = document.getElementById('q'); if (q) { e.preventDefault(); q.focus(); q.select(); } return; }
    if (page === 'queue') {
      var rows = Array.prototype.slice.call(document.querySelectorAll('#queue tbody tr'));
      if (!rows.length) return;
      var i = rows.findIndex(function (r) { return r.classList.contains('selected'); });
      if (e.key === 'j' || e.key === 'k') {
        if (i >= 0) rows[i].classList.remove('selected');
        i = e.key === 'j' ? Math.min(rows.length - 1, i + 1) : Math.max(0, i - 1);
        rows[i].classList.add('selected');
        rows[i].querySelector('a').focus();
      } else if (e.key === 'Enter' && i >= 0) {
        window.location = rows[i].querySelector('a').href;
      } else if (e.key === 'x' && i >= 0) {
        var box = rows[i].querySelector('.pick-case');
        if (box) { box.click(); }
      }
    } else if (page === 'case') {
      var target = { r: 'reply-body', n: 'note-body' }[e.key];
      if (target && document.getElementById(target)) { e.preventDefault(); document.getElementById(target).focus(); }
      if (e.key === 'e') { var b = document.getElementById('status-resolved'); if (b) b.click(); }
    }
  });

  // One live-update stream per browser, shared by every console tab through a SharedWorker:
  // browsers allow six connections per server, so one stream per tab would stall the seventh
  // tab. Without SharedWorker, one EventSource per page. Either way the stream is let go when
  // the page is left (a stream left to the garbage collector keeps holding its connection).
  function liveUpdates() {
    if (window.SharedWorker) {
      try {
        var worker = new SharedWorker('/assets/live-worker.js');
        var handlers = {};
        worker.port.onmessage = function (m) {
          (handlers[m.data.type] || []).forEach(function (fn) { fn({ data: m.data.data }); });
        };
        worker.port.start();
        window.addEventListener('pagehide', function () { worker.port.postMessage('bye'); });
        return {
          addEventListener: function (type, fn) { (handlers[type] = handlers[type] || []).push(fn); }
        };
      } catch (e) { /* fall through to a stream of our own */ }
    }
    if (!window.EventSource) return null;
    var own = new EventSource('/console/events');
    window.addEventListener('pagehide', function () { own.close(); });
    return own;
  }

  // Live: the screen-pop on every page, new cases in the queue without a reload.
  var pop = document.getElementById('screen-pop');
  var es = pop ? liveUpdates() : null;
  if (es) {
    es.addEventListener('call', function (ev) {
      var c = JSON.parse(ev.data);
      pop.textContent = '';
      var h = document.createElement('h2'); h.id = 'screen-pop-title'; h.textContent = pop.dataset.title + ': ' + c.number; pop.appendChild(h);
      var p = document.createElement('p'); p.textContent = c.name || ''; pop.appendChild(p);
      if (c.flag) { var f = document.createElement('p'); f.className = 'flag'; f.textContent = '⚠ ' + c.flag; pop.appendChild(f); }
      var n = document.createElement('p'); n.textContent = c.open_cases; pop.appendChild(n);
      var a = document.createElement('a'); a.className = 'button'; a.href = '/console/calls/' + encodeURIComponent(c.call_id); a.textContent = pop.dataset.open; a.id = 'screen-pop-open'; pop.appendChild(a);
      pop.hidden = false;
    });
  }
  if (page === 'queue' && es) {
    var table = document.getElementById('queue');
    var toast = document.getElementById('live-toast');
    es.addEventListener('case', function (ev) {
      var c = JSON.parse(ev.data);
      // A filtered or re-sorted list shows only what the agent asked for: no rows added.
      if (table.dataset.filtered) return;
      if (c.action !== 'case.create' || document.querySelector('tr[data-case="' + c.number + '"]')) return;
      // The row comes rendered by the page's own template, so it looks exactly like the others.
      var holder = document.createElement('tbody');
      holder.innerHTML = c.html;
      var tr = holder.querySelector('tr');
      if (!tr) return;
      table.tBodies[0].insertBefore(tr, table.tBodies[0].firstChild);
      var empty = document.querySelector('.empty');
      if (empty) empty.remove();
      var total = document.getElementById('queue-total');
      if (total && /^[0-9]+$/.test(total.textContent)) total.textContent = String(Number(total.textContent) + 1);
      toast.textContent = table.dataset.liveLabel + ': ' + c.number + ' — ' + c.subject;
      toast.hidden = false;
    });
    // A case sealed for the task force leaves this screen at once.
    es.addEventListener('removed', function (ev) {
      var c = JSON.parse(ev.data);
      var tr = document.querySelector('tr[data-case="' + c.number + '"]');
      if (!tr) return;
      tr.remove();
      var total = document.getElementById('queue-total');
      if (total && /^[0-9]+$/.test(total.textContent) && total.textContent !== '0') total.textContent = String(Number(total.textContent) - 1);
      toast.textContent = table.dataset.sealedLabel + ': ' + c.number;
      toast.hidden = false;
    });
    // The queues' counts, as the server counted them for this user after each change.
    es.addEventListener('counts', function (ev) {
      var counts = JSON.parse(ev.data);
      Object.keys(counts).forEach(function (key) {
        var el = document.querySelector('#nav-' + key + ' .count');
        if (el && el.textContent !== String(counts[key])) el.textContent = String(counts[key]);
      });
    });
  }

  // Bulk actions: a box that ticks every case on the page.
  if (page === 'queue') {
    var all = document.getElementById('select-all');
    var picks = function () { return Array.prototype.slice.call(document.querySelectorAll('#queue .pick-case')); };
    if (all) {
      all.hidden = false;
      all.addEventListener('change', function () { picks().forEach(function (p) { p.checked = all.checked; }); });
      document.getElementById('queue').addEventListener('change', function (e) {
        if (!e.target.classList.contains('pick-case')) return;
        var boxes = picks();
        var ticked = boxes.filter(function (p) { return p.checked; }).length;
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      });
    }
  }

  // Presence: say what I am doing on this case; warn when someone else is replying.
  if (page === 'case') {
    var root = document.querySelector('.case-layout');
    var box = document.getElementById('presence');
    var reply = document.getElementById('reply-body');
    function beat() {
      var activity = reply && (document.activeElement === reply || reply.value) ? 'replying' : 'viewing';
      fetch('/console/cases/' + root.dataset.case + '/presence', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=' + encodeURIComponent(root.dataset.csrf) + '&activity=' + activity, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (others) {
          if (!others.length) { box.hidden = true; return; }
          box.textContent = others.map(function (o) { return o.name + ' ' + (o.activity === 'replying' ? root.dataset.replying : root.dataset.viewing); }).join(' · ');
          box.hidden = false;
        }).catch(function () {});
    }
    var canned = document.getElementById('canned');
    if (canned && reply) canned.addEventListener('change', function () {
      var opt = canned.options[canned.selectedIndex];
      if (opt && opt.dataset.body) { reply.value = opt.dataset.body; reply.focus(); }
    });
    // Suggested answers (issue 19): a button inserts its text where the cursor is in the reply
    // box (after what is there, on a line of its own). Without this script the buttons stay
    // hidden and their plain links remain: the article's page, or this page with the canned
    // response in the reply box.
    if (reply) document.querySelectorAll('.suggest-insert').forEach(function (b) {
      b.hidden = false;
      var link = b.parentNode.querySelector('.suggest-link');
      if (link && !link.target) link.hidden = true;
      b.addEventListener('click', function () {
        var text = b.dataset.insert || '';
        var start = reply.selectionStart, end = reply.selectionEnd, v = reply.value;
        if (typeof start !== 'number' || document.activeElement !== reply && start === 0 && end === 0) {
          start = end = v.length;
        }
        var before = v.slice(0, start), after = v.slice(end);
        if (before && !/\n$/.test(before)) text = '\n\n' + text;
        if (after && !/^\n/.test(after)) text = text + '\n\n';
        reply.value = before + text + after;
        var at = before.length + text.length;
        reply.focus();
        reply.setSelectionRange(at, at);
        reply.dispatchEvent(new Event('input', { bubbles: true }));
      });
    });
    beat();
    setInterval(beat, 5000);
    if (reply) reply.addEventListener('focus', beat);
  }

  // The wallboard refreshes its figures in place every 10 s (a page reload would steal focus and
  // scroll, and a meta refresh cannot be paused by assistive technology).
  if (page === 'wallboard') {
    setInterval(function () {
      fetch(window.location.href, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, 'text/html');
          ['wallboard', 'wall-now'].forEach(function (id) {
            var fresh = doc.getElementById(id), old = document.getElementById(id);
            if (fresh && old) old.innerHTML = fresh.innerHTML;
          });
        }).catch(function () {});
    }, 10000);
  }

  // Redacted forwarding: the selected passage of the text is put between [[ and ]], which the
  // server replaces (without JS the investigator types the brackets).
  if (page === 'forward') {
    var mark = document.getElementById('forward-mark'), text = document.getElementById('forward-text');
    if (mark && text) {
      mark.hidden = false;
      mark.addEventListener('click', function () {
        var a = text.selectionStart, b = text.selectionEnd;
        if (a === b) { text.focus(); return; }
        text.value = text.value.slice(0, a) + '[[' + text.value.slice(a, b) + ']]' + text.value.slice(b);
        text.focus();
        text.setSelectionRange(b + 4, b + 4);
      });
    }
  }

  // On a narrow screen a wide table scrolls inside its own box (app.css): let the keyboard reach
  // it too (a scrolled box that cannot take focus cannot be scrolled without a mouse).
  function scrollableTables() {
    document.querySelectorAll('table').forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute('tabindex', '0');
      else if (t.getAttribute('tabindex') === '0') t.removeAttribute('tabindex');
    });
  }
  scrollableTables();
  window.addEventListener('resize', scrollableTables);
})();
