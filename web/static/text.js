/* The page's own words for its scripts: templates/_strings.html renders them, translated, into
   <script type="application/json" id="strings">. unconfText.t("key", {name: value}) fills "{name}";
   unconfText.n("key", count, values) picks the plural form the page's language uses for count (by its
   CLDR category, the browser's Intl.PluralRules);
   unconfText.nodes(element, text, {name: node}) fills an element with text around DOM nodes. */
(function () {
  "use strict";
  if (window.unconfText) return;
  var strings = {};
  try { strings = JSON.parse(document.getElementById("strings").textContent); } catch (e) { strings = {}; }
  var lang = document.documentElement.lang || "en";
  var rules = null;
  try { rules = new Intl.PluralRules(lang); } catch (e) { rules = null; }

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function t(key, values) { return fill(strings[key], values); }
  // A plural: the form rendered for a sample number of the same plural category as count.
  function n(key, count, values) {
    var forms = strings[key] || {};
    var form = forms[String(count)];
    if (rules) {
      var want = rules.select(count), samples = Object.keys(forms);
      for (var i = 0; i < samples.length; i++) {
        if (rules.select(Number(samples[i])) === want) { form = forms[samples[i]]; break; }
      }
    }
    return fill(form === undefined ? forms["100"] : form, values);
  }
  function nodes(element, text, parts) {
    element.textContent = "";
    String(text || "").split(/(\{\w+\})/).forEach(function (piece) {
      var name = piece.charAt(0) === "{" ? piece.slice(1, -1) : null;
      if (name && parts && parts[name]) element.appendChild(parts[name]);
      else if (piece) element.appendChild(document.createTextNode(piece));
    });
  }
  window.unconfText = { t: t, n: n, nodes: nodes, strings: strings, lang: lang };
})();
