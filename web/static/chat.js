/* A topic's chat (web/templates/_chat.html) and the inbox, live over the event's one socket.
   Without this script the forms still post and the page comes back; with it, messages arrive in place. */
(function () {
  "use strict";
  if (!window.unconfLive || !window.fetch) return;
  var FETCH = { "Content-Type": "application/json", "X-Unconf-Fetch": "1" };
  var T = window.unconfText; // the page's words (text.js)
  var clock = null; // the time as the page's language writes it, on the event's clock (as the server does)
  try {
    clock = new Intl.DateTimeFormat(T.lang, { hour: "numeric", minute: "2-digit", timeZone: T.strings.timezone || "UTC" });
  } catch (e) { clock = null; }

  function time(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return clock ? clock.format(d) : ("0" + d.getUTCHours()).slice(-2) + ":" + ("0" + d.getUTCMinutes()).slice(-2);
  }

  function line(box, m) {
    var li = document.createElement("li");
    li.setAttribute("data-id", m.id);
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var who = document.createElement("strong");
    who.textContent = m.author;
    who.setAttribute("dir", "auto");
    var when = document.createElement("time");
    when.setAttribute("datetime", m.created_at);
    when.textContent = time(m.created_at);
    meta.appendChild(who); meta.appendChild(document.createTextNode(" ")); meta.appendChild(when);
    var text = document.createElement("p");
    text.className = "chat-text";
    text.setAttribute("dir", "auto");
    text.innerHTML = m.html; // escaped by the server: only its own rel="noopener nofollow ugc" links are markup
    li.appendChild(meta); li.appendChild(text);
    if (box.getAttribute("data-moderator") === "yes") {
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "link"; remove.textContent = T.t("remove");
      remove.addEventListener("click", function () {
        fetch("/api/v1/events/" + encodeURIComponent(box.getAttribute("data-slug")) + "/chat/messages/" + m.id,
              { method: "DELETE", headers: FETCH, credentials: "same-origin" });
      });
      li.appendChild(remove);
    }
    return li;
  }

  function chat(box) {
    var slug = box.getAttribute("data-slug"), topic = box.getAttribute("data-chat");
    var list = box.querySelector("[data-chat-lines]"), form = box.querySelector("[data-chat-form]");
    var error = box.querySelector("[data-chat-error]");
    var hidden = (box.getAttribute("data-hidden") || "").split(" ").filter(Boolean);
    var api = "/api/v1/events/" + encodeURIComponent(slug) + (topic === "main" ? "/chat" : "/proposals/" + topic + "/chat");
    function add(m) {
      if (m.author_id !== null && hidden.indexOf(String(m.author_id)) >= 0) return; // blocked, either way
      if (list.querySelector('[data-id="' + m.id + '"]')) return;
      var empty = list.querySelector("[data-empty]");
      if (empty) empty.remove();
      list.appendChild(line(box, m));
    }
    function refresh() {
      fetch(api, { headers: FETCH, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (out) { if (out) out.messages.forEach(add); })
        .catch(function () { /* the next message arrives anyway */ });
    }
    var live = window.unconfLive(slug, function (msg) {
      var d = msg.data || {};
      if (d.topic !== topic) return;
      if (msg.type === "chat.message") add(d);
      else if (msg.type === "chat.removed") {
        var gone = list.querySelector('[data-id="' + d.id + '"]');
        if (gone) gone.remove();
      }
    }, refresh);
    live.open("chat:" + topic);
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var field = form.querySelector("textarea"), text = field.value;
      if (!text.trim()) return;
      error.hidden = true;
      fetch(api, { method: "POST", headers: FETCH, credentials: "same-origin", body: JSON.stringify({ text: text }) })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok) { field.value = ""; add(res.body); field.focus(); }
          else { error.textContent = res.body.detail || T.t("not_sent"); error.hidden = false; }
        })
        .catch(function () { error.textContent = T.t("not_sent_offline"); error.hidden = false; });
    });
  }

  function inbox(slug) {
    // A note arrived: say so politely (the text is fetched by reloading, not carried on the socket).
    var note = document.getElementById("live-note");
    var live = window.unconfLive(slug, function (msg) {
      if (msg.type !== "note.arrived" || !note) return;
      note.textContent = T.t("new_note", { name: msg.data.sender }) + " ";
      var a = document.createElement("a");
      a.href = "/e/" + encodeURIComponent(slug) + "/inbox?new=" + msg.data.id + "#thread-" + msg.data.thread; // a new URL, so the inbox reloads
      a.textContent = T.t("read_it");
      note.appendChild(a);
    });
    live.open("person");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chat]"), chat);
  var box = document.querySelector("[data-inbox]") || (document.body.getAttribute("data-inbox") === "yes" ? document.body : null);
  if (box) inbox(box.getAttribute("data-slug"));
})();
