// "Use my location" on /near: the browser's position fills lat/lon and the form is sent.
// Nothing leaves the page unless the person presses the button and allows it.
(function () {
  "use strict";
  var button = document.getElementById("near-locate");
  var status = document.getElementById("near-locate-status");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = window.unconfText.t("locating");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var form = document.getElementById("near-form");
      document.getElementById("near-city").value = "";
      document.getElementById("near-lat").value = pos.coords.latitude.toFixed(4);
      document.getElementById("near-lon").value = pos.coords.longitude.toFixed(4);
      form.submit();
    }, function () {
      status.textContent = window.unconfText.t("no_location");
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
