/* The hallway: "Join video" keeps a Jitsi meeting inside the page (one at a time, switching tables
   without leaving), live counts per table. Jitsi's external_api.js comes from the event's own Jitsi
   server and is loaded only when someone joins such a table. Without this script every button is a
   plain form that opens the video itself. */
(function () {
  "use strict";
  var slug = document.body.getAttribute("data-slug");
  var stage = document.getElementById("video-stage");
  if (!slug || !stage || !window.fetch) return;
  var frame = document.getElementById("video-frame");
  var title = document.getElementById("video-title");
  var fallback = document.getElementById("video-fallback");
  var fallbackLink = document.getElementById("video-fallback-link");
  var where = document.getElementById("where-text");
  var api = null, scripts = {};
  var T = window.unconfText; // the page's words (text.js)

  function loadScript(url) {
    if (!scripts[url]) {
      scripts[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url; s.async = true;
        s.onload = function () { window.JitsiMeetExternalAPI ? resolve() : reject(new Error("no Jitsi API")); };
        s.onerror = function () { delete scripts[url]; s.remove(); reject(new Error("could not load " + url)); };
        document.head.appendChild(s);
      });
    }
    return scripts[url];
  }

  function closeVideo() {
    if (api) { try { api.dispose(); } catch (e) { /* already gone */ } api = null; }
    frame.textContent = "";
    stage.hidden = true;
  }
  document.getElementById("video-close").addEventListener("click", closeVideo);

  function markHere(key, label, how) {
    var cards = document.querySelectorAll(".table-card");
    for (var i = 0; i < cards.length; i++) {
      var mine = cards[i].getAttribute("data-table") === key;
      cards[i].classList.toggle("is-here", mine);
      var badge = cards[i].querySelector(".you-here");
      if (badge) badge.hidden = !mine;
    }
    if (where) {
      var strong = document.createElement("strong");
      strong.textContent = label;
      strong.setAttribute("dir", "auto");
      T.nodes(where, T.t(how === "video" ? "at_table_video" : "at_table_room"), { table: strong });
    }
  }

  function showFallback(url, text) {
    fallbackLink.href = url;
    fallbackLink.textContent = text;
    fallback.hidden = false;
  }

  function open(joined, label) {
    closeVideo();
    stage.hidden = false;
    fallback.hidden = true;
    title.textContent = T.t("video_of", { table: label });
    title.focus();
    var e = joined.embed;
    if (!e || e.kind !== "jitsi") { showFallback(joined.url, T.t("video_new_tab")); return; }
    loadScript(e.script_url).then(function () {
      var options = { roomName: e.room, parentNode: frame, width: "100%", height: "100%", userInfo: { displayName: e.display_name } };
      if (e.jwt) options.jwt = e.jwt;
      api = new window.JitsiMeetExternalAPI(e.domain, options);
      showFallback(joined.url, T.t("video_trouble"));
    }).catch(function () {
      showFallback(joined.url, T.t("video_failed"));
    });
  }

  // "Join video" is a plain link (our join redirect, which also moves you); for Jitsi tables we take
  // the seat with one request instead and keep the meeting in the page.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a.join-table") : null;
    if (!link || ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    if (link.getAttribute("target") === "_blank") return; // not embeddable: the link opens a new tab itself
    ev.preventDefault();
    link.setAttribute("aria-busy", "true");
    var label = link.getAttribute("data-title") || "";
    var key = link.getAttribute("data-join-table");
    fetch(stage.getAttribute("data-join"), {
      method: "POST", body: new URLSearchParams({ table: key }), credentials: "same-origin",
      headers: { "X-Unconf-Fetch": "1" }
    })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { if (where) where.textContent = res.data && res.data.detail ? res.data.detail : T.t("did_not_work"); return; }
        markHere(key, label, res.data.presence.how);
        open(res.data, label);
      })
      .catch(function () { window.location.href = link.href; })
      .then(function () { link.removeAttribute("aria-busy"); });
  });

  // Live counts: occupancy changes arrive over the page's socket (phone.js); read the tables once per burst.
  var pending = null;
  function refreshCounts() {
    fetch("/api/v1/events/" + encodeURIComponent(slug) + "/hallway", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) {
        if (!view) return;
        view.tables.forEach(function (t) {
          var box = document.querySelector('[data-occupancy-for="' + t.key + '"]');
          if (!box) return;
          box.querySelector(".occ-present").textContent = String(t.present);
          box.querySelector(".occ-in-room").textContent = String(t.in_room);
          box.querySelector(".occ-remote").textContent = String(t.remote);
          box.querySelector(".full").hidden = !t.full;
        });
      })
      .catch(function () { /* the next change tries again */ });
  }
  document.addEventListener("unconf:live", function (ev) {
    if (!ev.detail || ev.detail.type !== "occupancy.changed") return;
    clearTimeout(pending);
    pending = setTimeout(refreshCounts, 300);
  });
})();
