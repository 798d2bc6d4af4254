// The setup form: on a fresh form, the date and time zone come from the organizer's own browser.
// Without JavaScript the server's defaults (today, UTC) stay, and the organizer types their own.
(function () {
  "use strict";
  var form = document.getElementById("setup-form");
  if (!form || form.dataset.fresh !== "yes") return;
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var tz = document.getElementById("timezone");
  if (zone && tz) tz.value = zone;
  var day = document.getElementById("start_date");
  if (day) {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    day.value = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }
})();
