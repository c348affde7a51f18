/* audioguide export: the static stand-in for the live server's language choice.
   /s/<id> (a QR code) and / : go to the page in the language the visitor chose before
   (localStorage "lang", kept by app.js; or a "lang" cookie a host may set), else the first of
   the browser's languages the tour has (exact tag first, then "ru-RU" -> "ru", as the live
   server matches Accept-Language), else the tour's default. ?lang= wins, as on the live server.
   /go?n= (the keypad): find the number, id or old id in the offline list, then go there.
   A scan or a found number is counted by one beacon to the stats URL, if the export has one:
   {"stop", "lang"} as text/plain (no preflight), no cookie, nothing about the visitor. It is a
   keepalive fetch (it outlives the page, as navigator.sendBeacon does) because sendBeacon always
   sends the stats site's cookies; sendBeacon only where fetch cannot keep alive. */
(function () {
  "use strict";
  var d = document.body.dataset;
  var langs = d.languages.split(" ");
  var query = new URLSearchParams(location.search);

  function known(code) {
    if (!code) return null;
    code = String(code).trim().toLowerCase();
    for (var i = 0; i < langs.length; i++) if (langs[i].toLowerCase() === code) return langs[i];
    return null;
  }
  function stored() { try { return localStorage.getItem("lang"); } catch (e) { return null; } }
  function cookie() { var m = /(?:^|;\s*)lang=([A-Za-z-]+)/.exec(document.cookie); return m ? m[1] : null; }
  function choose() {
    var chosen = known(query.get("lang")) || known(stored()) || known(cookie());
    if (chosen) return chosen;
    var accepted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    var i;
    for (i = 0; i < accepted.length; i++) if (known(accepted[i])) return known(accepted[i]);
    for (i = 0; i < accepted.length; i++) if (accepted[i] && known(accepted[i].split("-")[0])) return known(accepted[i].split("-")[0]);
    return d["default"];
  }
  function count(stop, lang) {
    if (!d.stats) return;
    var body = JSON.stringify({ stop: stop, lang: lang });
    try {
      if (window.fetch && "keepalive" in Request.prototype) {
        fetch(d.stats, { method: "POST", body: body, keepalive: true, credentials: "omit", mode: "no-cors", referrerPolicy: "no-referrer" }).catch(function () { /* not counted */ });
      } else if (navigator.sendBeacon) {
        navigator.sendBeacon(d.stats, body);
      }
    } catch (e) { /* not counted */ }
  }
  function go(lang, stop) {
    location.replace(d.target.replace("{lang}", lang).replace("{id}", stop || ""));
  }

  var lang = choose();
  if (!d.go) {
    if (d.scan) count(d.scan, lang);
    go(lang, d.scan);
    return;
  }
  var typed = (query.get("n") || "").trim().slice(0, 40), key = typed.toLowerCase();
  if (!typed) return;
  fetch(d.go.replace("{lang}", lang)).then(function (r) { return r.json(); }).then(function (list) {
    var number = /^[0-9]+$/.test(key) ? parseInt(key, 10) : null;
    var stop = list.stops.find(function (s) { return number !== null && s.number === number; }) ||
      list.stops.find(function (s) { return s.id === key || s.aliases.indexOf(key) >= 0; });
    if (stop) {
      count(stop.id, lang);
      go(lang, stop.id);
      return;
    }
    var text = document.body.getAttribute("data-missing-" + lang.toLowerCase()), form = document.getElementById("keypad-form");
    if (text && form) {
      var message = document.createElement("p");
      message.className = "message";
      message.setAttribute("role", "alert");
      message.lang = lang;
      message.textContent = text.replace("{number}", typed);
      form.parentNode.insertBefore(message, form);
    }
  }).catch(function () { /* offline without a downloaded tour: the list below still works */ });
})();
