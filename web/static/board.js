/* The board: swaps in a fresh server-rendered snapshot on every change and every reconnect,
   flips pages of long lists, and ticks the countdown. */
(function () {
  "use strict";
  var slug = document.body.getAttribute("data-slug");
  var live = document.getElementById("board-live");
  var status = document.getElementById("board-status");
  var page = 0, pending = null, inflight = false, again = false, last = null, offline = null;

  function phase() { var el = live.querySelector(".board-grid"); return el ? el.getAttribute("data-phase") : ""; }

  function refresh() {
    if (inflight) { again = true; return; }
    inflight = true;
    var before = phase();
    fetch("/e/" + encodeURIComponent(slug) + "/board/state", { cache: "no-store", headers: { "X-Unconf-Fetch": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== last) {
          last = html;
          live.innerHTML = html;
          showPage(page);
          tick();
          var now = phase();
          if (now !== before) status.textContent = "Phase: " + (live.querySelector("#board-phase") || {}).textContent;
        }
      })
      .catch(function () { /* the next message or reconnect tries again */ })
      .then(function () { inflight = false; if (again) { again = false; refresh(); } });
  }
  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 100); }

  function showPage(i) {
    var pages = live.querySelectorAll(".board-page");
    if (!pages.length) return;
    page = i % pages.length;
    for (var k = 0; k < pages.length; k++) pages[k].hidden = k !== page;
    var now = live.querySelector(".pager-now");
    if (now) now.textContent = String(page + 1);
  }
  setInterval(function () { showPage(page + 1); }, 10000);

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var els = live.querySelectorAll(".countdown[data-ends]");
    for (var i = 0; i < els.length; i++) {
      var ends = Date.parse(els[i].getAttribute("data-ends"));
      if (isNaN(ends)) continue;
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      if (left > 86400) els[i].textContent = els[i].getAttribute("data-fallback") || "";
      else els[i].textContent = left ? (h ? h + ":" + two(m) : m) + ":" + two(s) + " left" : "time is up";
    }
  }
  setInterval(tick, 1000);
  tick();
  setInterval(refresh, 60000); // now/next move with the clock

  function patchCount(data) {
    var el = live.querySelector('[data-count-for="' + data.proposal_id + '"]');
    if (el) el.textContent = String(data.votes);
  }

  window.unconfLive(slug, function (msg) {
    if (msg.type === "vote.cast" && msg.data) patchCount(msg.data);
    if (msg.type === "agenda.progress") return;
    // A new phase changes the whole board (the grid, the countdown): redraw now, not in 100 ms.
    if (msg.type === "phase.changed" && msg.data && msg.data.phase !== phase()) { clearTimeout(pending); refresh(); return; }
    soon();
  }, function () {
    if (offline) { offline.remove(); offline = null; }
    soon();
  }, function () {
    if (!offline) {
      offline = document.createElement("p");
      offline.className = "offline";
      offline.textContent = "Reconnecting…";
      document.body.appendChild(offline);
    }
  });
})();
