// The console's live updates, one stream per browser: every tab connects to this shared worker,
// which holds a single EventSource and passes each event on. The stream closes when the last
// tab has gone; the server ends it when the session ends, and EventSource then reconnects with
// whatever session the browser has now.
var ports = [];
var es = null;
var TYPES = ['call', 'case', 'counts', 'removed'];

function broadcast(type, data) {
  ports.forEach(function (p) { p.postMessage({ type: type, data: data }); });
}

function open() {
  es = new EventSource('/console/events');
  TYPES.forEach(function (t) {
    es.addEventListener(t, function (ev) { broadcast(t, ev.data); });
  });
}

onconnect = function (e) {
  var port = e.ports[0];
  ports.push(port);
  port.onmessage = function (m) {
    if (m.data !== 'bye') return;
    ports = ports.filter(function (p) { return p !== port; });
    if (ports.length === 0 && es) { es.close(); es = null; }
  };
  port.start();
  if (!es) open();
};
