/* The board: swaps in a fresh server-rendered snapshot on changes and every reconnect, patches vote
   counts and room occupancy in place from the live messages themselves, sizes the agenda's text to
   the grid, flips pages of long lists, and ticks the countdown. */
(function () {
  "use strict";
  var slug = document.body.getAttribute("data-slug");
  var live = document.getElementById("board-live");
  var status = document.getElementById("board-status");
  var T = window.unconfText; // the board's words, in the event's language (text.js)
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
          fitJoinUrl();
          tick();
          var now = phase();
          if (now !== before) status.textContent = T.t("phase_now", { phase: (live.querySelector("#board-phase") || {}).textContent || "" });
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
    fitGrid();
  }

  // Titles show whole and never break inside a word: the largest text at which every word fits its
  // cell and the grid fits the screen (up to 8 rooms x 6 slots a page).
  function overflows(table, room) {
    if (table.offsetHeight > room + 1) return true;
    var cells = table.querySelectorAll("td:not(.pause) .cell, .room-name");
    for (var i = 0; i < cells.length; i++) if (cells[i].scrollWidth > cells[i].clientWidth + 1) return true;
    return false;
  }
  function fitGrid() {
    var table = live.querySelector("table.agenda-grid:not([hidden])");
    var body = live.querySelector(".board-body");
    if (!table || !body) return;
    var room = body.clientHeight;
    var others = body.querySelectorAll(".pager, .main-occ");
    for (var i = 0; i < others.length; i++) {
      var style = getComputedStyle(others[i]);
      if (style.position !== "absolute") room -= others[i].offsetHeight + parseFloat(style.marginTop) + parseFloat(style.marginBottom);
    }
    var vh = window.innerHeight / 100, lo = 1.1 * vh, hi = 4.2 * vh; // 4.2vh: big, and still a title, not a poster
    table.style.height = "auto";
    for (var step = 0; step < 9; step++) {
      var mid = (lo + hi) / 2;
      table.style.setProperty("--fit", mid + "px");
      if (overflows(table, room)) hi = mid; else lo = mid;
    }
    table.style.setProperty("--fit", lo + "px");
    table.style.height = Math.max(0, Math.floor(room)) + "px";
  }
  function fitJoinUrl() {
    var url = live.querySelector(".join-url");
    if (!url) return;
    var size = 2.5 * window.innerHeight / 100, least = 1.2 * window.innerHeight / 100;
    url.style.fontSize = size + "px";
    while (url.scrollWidth > url.clientWidth + 1 && size > least) { size -= 1; url.style.fontSize = size + "px"; }
  }
  window.addEventListener("resize", function () { fitGrid(); fitJoinUrl(); });
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
      else els[i].textContent = left ? T.t("time_left", { time: (h ? h + ":" + two(m) : m) + ":" + two(s) }) : T.t("time_up");
    }
  }
  setInterval(tick, 1000);
  tick();
  fitGrid();
  fitJoinUrl();
  setInterval(refresh, 60000); // now/next move with the clock

  function patchCount(data) {
    var el = live.querySelector('[data-count-for="' + data.proposal_id + '"]');
    if (el) el.textContent = String(data.votes);
  }

  function setText(box, selector, value) {
    var el = box.querySelector(selector);
    if (el && value !== null && value !== undefined) el.textContent = String(value);
  }
  // occupancy.changed carries every room: checked in / capacity, in the room and remote apart, full.
  function patchOccupancy(data) {
    (data.rooms || []).forEach(function (r) {
      var keys = [r.room_id === null ? "main" : String(r.room_id)];
      for (var k = 0; k < keys.length; k++) {
        var boxes = live.querySelectorAll('[data-occ-room="' + keys[k] + '"]');
        for (var i = 0; i < boxes.length; i++) {
          setText(boxes[i], ".occ-present", r.present);
          setText(boxes[i], ".occ-capacity", r.capacity);
          setText(boxes[i], ".occ-in-room", r.checked_in);
          setText(boxes[i], ".occ-remote", r.in_video);
          boxes[i].classList.toggle("is-full", !!r.full);
          var mark = boxes[i].querySelector(".occ-full");
          if (mark) mark.hidden = !r.full;
        }
      }
    });
  }

  window.unconfLive(slug, function (msg) {
    // Tallies and occupancy carry what the board shows: patch in place, never ask the server again.
    if (msg.type === "vote.cast") { if (msg.data) patchCount(msg.data); return; }
    if (msg.type === "occupancy.changed") { if (msg.data) patchOccupancy(msg.data); return; }
    if (msg.type === "agenda.progress" || msg.type === "participant.joined") return; // nothing the board shows
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
      offline.textContent = T.t("reconnecting");
      document.body.appendChild(offline);
    }
  });
})();
