/* One WebSocket per page to the event's live channel; reconnects by itself with a capped backoff.
   onOpen runs on every (re)connect so a page can fetch a fresh snapshot and never stay stale. */
(function () {
  "use strict";
  window.unconfLive = function (slug, onMessage, onOpen, onDown) {
    var delay = 500, socket = null, timer = null;
    function schedule() {
      if (timer) return;
      timer = setTimeout(function () { timer = null; connect(); }, delay);
      delay = Math.min(delay * 2, 4000);
    }
    function connect() {
      var proto = location.protocol === "https:" ? "wss:" : "ws:";
      try {
        socket = new WebSocket(proto + "//" + location.host + "/api/v1/events/" + encodeURIComponent(slug) + "/live");
      } catch (e) { schedule(); return; }
      socket.onmessage = function (ev) {
        var msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (msg.type === "hello") { delay = 500; if (onOpen) onOpen(msg); }
        else if (msg.type !== "error") onMessage(msg);
      };
      socket.onclose = function () { if (onDown) onDown(); schedule(); };
      socket.onerror = function () { try { socket.close(); } catch (e) { /* closing anyway */ } };
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && socket && socket.readyState > 1) { delay = 200; schedule(); }
    });
    connect();
  };
})();
