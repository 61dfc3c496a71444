// Live view: follow the store's event log and redraw the page's live part in place.
// The server renders every fragment; this script only fetches and swaps it.
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  var status = document.getElementById("pg-conn");
  if (!live || !window.EventSource) { return; }
  var pending = false;
  var again = false;
  function typing() {
    // A form someone is filling in is never redrawn under them: the redraw waits.
    var fields = live.querySelectorAll("input[type=text], input[type=password], textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] === document.activeElement || fields[i].value) { return true; }
    }
    return false;
  }
  function refresh() {
    if (typing()) { setTimeout(refresh, 1000); return; }
    if (pending) { again = true; return; }
    pending = true;
    fetch(live.getAttribute("data-live"), { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { live.innerHTML = html; live.setAttribute("data-seq", String(seq)); })
      .catch(function () { /* the next event tries again */ })
      .then(function () { pending = false; if (again) { again = false; refresh(); } });
  }
  var seq = Number(live.getAttribute("data-seq") || "0");
  var source = new EventSource("/events?after=" + seq);
  source.onopen = function () { if (status) { status.textContent = "live"; status.className = "pg-conn ok"; } };
  source.onerror = function () { if (status) { status.textContent = "reconnecting"; status.className = "pg-conn"; } };
  source.onmessage = function (e) {
    var n = Number(e.lastEventId || "0");
    if (n > seq) { seq = n; refresh(); }
  };
})();
