// The console's video form: show only the chosen provider's settings (without JavaScript, all show).
(function () {
  "use strict";
  var form = document.getElementById("video-form");
  if (!form) return;
  function show() {
    var chosen = form.querySelector('input[name="provider"]:checked');
    var sets = form.querySelectorAll(".provider-settings");
    for (var i = 0; i < sets.length; i++) {
      sets[i].hidden = chosen !== null && sets[i].getAttribute("data-provider") !== chosen.value;
    }
  }
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "provider") show();
  });
  show();
})();
