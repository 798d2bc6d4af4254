/* Phone pages: one-tap voting without a reload, live counts, near-duplicate titles while typing.
   Everything here is an extra: the forms work as plain posts without it. */
(function () {
  "use strict";
  var slug = document.body.getAttribute("data-slug");
  if (!slug) return;
  var note = document.getElementById("live-note");
  var T = window.unconfText; // the page's words (text.js)

  function say(text) { if (note) note.textContent = text; }

  // Confirmation for destructive buttons.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });

  // Voting: post the same form with fetch, update the numbers in place.
  var statusBox = document.getElementById("dots-status");
  function setLeft(left, budget) {
    var text = document.getElementById("dots-left-text");
    if (text) text.textContent = T.n("dots_left", left, { left: left, budget: budget });
    var dots = document.querySelectorAll(".dot-row .dot");
    for (var i = 0; i < dots.length; i++) dots[i].classList.toggle("free", i < left);
  }
  function setCount(id, votes) {
    var el = document.querySelector('[data-count-for="' + id + '"]');
    if (!el) return;
    el.textContent = String(votes);
    var unit = el.nextElementSibling;
    if (unit && unit.classList.contains("count-unit")) unit.textContent = " " + T.n("dot_unit", votes);
  }
  function setMine(card, form, dots) {
    var id = card.getAttribute("data-proposal");
    var title = card.getAttribute("data-title") || "";
    var mine = card.querySelector('[data-mine-for="' + id + '"]');
    if (mine) mine.textContent = dots ? T.t("your_dots", { n: dots }) : "";
    card.classList.toggle("voted", dots > 0);
    if (form.getAttribute("data-stacking") === "yes") {
      var remove = form.querySelector('button[value="remove"]');
      if (remove) remove.disabled = dots === 0;
      return;
    }
    var button = form.querySelector("button");
    if (!button) return;
    var sr = document.createElement("span");
    sr.className = "sr-only";
    if (dots) {
      button.value = "remove"; button.className = "secondary"; button.setAttribute("aria-pressed", "true");
      button.textContent = T.t("remove_dot"); sr.textContent = " " + T.t("from_title", { title: title });
    } else {
      button.value = "add"; button.className = "primary"; button.setAttribute("aria-pressed", "false");
      button.textContent = T.t("add_dot"); sr.textContent = " " + T.t("to_title", { title: title });
    }
    button.appendChild(sr);
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.classList || !form.classList.contains("vote-form") || !window.fetch) return;
    ev.preventDefault();
    var button = ev.submitter || form.querySelector("button");
    var body = new URLSearchParams(new FormData(form));
    body.set("action", button && button.value ? button.value : "add");
    if (button) button.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin", headers: { "X-Unconf-Fetch": "1" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { say(res.data && res.data.detail ? res.data.detail : T.t("try_again")); return; }
        var d = res.data;
        setLeft(d.dots_left, d.budget);
        setCount(d.proposal_id, d.votes);
        setMine(form.closest(".vote-card"), form, d.dots);
        say("");
      })
      .catch(function () { form.submit(); })
      .then(function () { if (button) button.removeAttribute("aria-busy"); });
  });

  // Near-duplicate titles while typing.
  var title = document.querySelector("input[data-similar]");
  var box = document.getElementById("similar-box");
  var wait = null, lastQuery = "";
  if (title && box && window.fetch) {
    title.addEventListener("input", function () {
      clearTimeout(wait);
      wait = setTimeout(function () {
        var q = title.value.trim();
        if (q === lastQuery) return;
        lastQuery = q;
        if (q.length < 3) { box.textContent = ""; return; }
        var url = title.getAttribute("data-similar") + "?title=" + encodeURIComponent(q);
        var exclude = title.getAttribute("data-exclude");
        if (exclude) url += "&exclude=" + encodeURIComponent(exclude);
        fetch(url, { headers: { "X-Unconf-Fetch": "1" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            box.textContent = "";
            if (!items.length) return;
            var p = document.createElement("p");
            var strong = document.createElement("strong");
            strong.textContent = T.t("similar");
            p.appendChild(strong);
            var ul = document.createElement("ul");
            items.forEach(function (it) {
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = "/e/" + encodeURIComponent(slug) + "/proposals#p" + it.id;
              a.textContent = it.title;
              a.setAttribute("dir", "auto"); // people's own words, in their own direction
              li.appendChild(a);
              li.appendChild(document.createTextNode(" " + T.n("dots_count", it.votes, { n: it.votes })));
              ul.appendChild(li);
            });
            box.appendChild(p);
            box.appendChild(ul);
          })
          .catch(function () { /* typing goes on without hints */ });
      }, 250);
    });
  }

  // Live: counts change in place; bigger changes get a polite note with a reload link.
  if (!window.unconfLive) return;
  function offer(text) {
    if (!note) return;
    note.textContent = text + " ";
    var a = document.createElement("a");
    a.href = location.pathname;
    a.textContent = T.t("show_it");
    note.appendChild(a);
  }
  var phaseNames = T.strings.phases || {};
  window.unconfLive(slug, function (msg) {
    var d = msg.data || {};
    document.dispatchEvent(new CustomEvent("unconf:live", { detail: msg })); // page scripts (the hallway) listen
    if (msg.type === "vote.cast") { setCount(d.proposal_id, d.votes); return; }
    if (msg.type === "phase.changed" && d.phase && d.phase !== document.body.getAttribute("data-phase")) {
      offer(T.t("phase_moved", { phase: phaseNames[d.phase] || d.phase }));
    } else if (msg.type === "agenda.published") {
      offer(T.t("agenda_out"));
    } else if (msg.type === "proposal.created" && (document.getElementById("proposal-list") || statusBox)) {
      offer(T.t("new_proposal", { title: d.title || "" }));
    }
  }, function () {
    // (Re)connected: counts may have moved while we were not listening, so read them fresh.
    if (statusBox && window.fetch) {
      fetch("/api/v1/events/" + encodeURIComponent(slug) + "/proposals", { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { items.forEach(function (p) { setCount(p.id, p.votes); }); })
        .catch(function () { /* the next message updates the counts anyway */ });
    }
  });
})();
