/* The site plan's "Where am I?": the phone is asked for its position only when the visitor taps
   the button (never on load), then the plan shows "you are here", each stop in the list gets
   its distance, and the nearest stop is marked. A refusal or no fix gets a calm sentence. The
   plan and the list work without this script. */
(function () {
  "use strict";
  var doc = document, box = doc.getElementById("plan"), button = doc.getElementById("locate");
  if (!box || !button) return;
  var d = box.dataset, status = doc.getElementById("locate-status"), legend = doc.getElementById("me-legend");
  var me = doc.getElementById("me"), acc = doc.getElementById("me-acc");
  var view = box.querySelector("svg").viewBox.baseVal;
  /* west north kx ky x0 y0, from web/plan.py: x = x0 + (lon - west) * kx, y = y0 + (north - lat) * ky */
  var p = d.proj.split(" ").map(Number);
  var R = 6371008.8, RAD = Math.PI / 180, perMetre = p[3] / (R * RAD);
  var lang = doc.body.dataset.lang, items = [].slice.call(doc.querySelectorAll(".plan-list li"));

  /* Great-circle distance in metres (haversine). */
  function metres(lat1, lon1, lat2, lon2) {
    var a = Math.pow(Math.sin((lat2 - lat1) * RAD / 2), 2) +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.pow(Math.sin((lon2 - lon1) * RAD / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  /* "120 m", "1.5 km" / "1,5 км", "1 200 км": as web/plan.py format_distance writes them. */
  function distance(m) {
    if (m < 1000) return d.m.replace("{n}", Math.max(10, Math.round(m / 10) * 10));
    var km = m / 1000, text = km < 10 ? String(Math.round(km * 10) / 10) : String(Math.round(km)).replace(new RegExp("\\B(?=(\\d{3})+$)", "g"), ",");
    if (lang !== "en") text = text.replace(new RegExp(",", "g"), "\u00a0").replace(".", ",");
    return d.km.replace("{n}", text);
  }
  function marker(li) { return doc.getElementById("m-" + li.dataset.stop); }

  function found(position) {
    var c = position.coords, best = null;
    items.forEach(function (li) {
      var m = metres(c.latitude, c.longitude, +li.dataset.lat, +li.dataset.lon);
      li.classList.remove("near");
      marker(li).classList.remove("near");
      li.querySelector(".dist").textContent = d.away.replace("{distance}", distance(m));
      if (!best || m < best.m) best = { li: li, m: m };
    });
    best.li.classList.add("near");
    marker(best.li).classList.add("near");
    best.li.querySelector(".dist").textContent += " · " + d.nearest;
    var x = p[4] + (c.longitude - p[0]) * p[2], y = p[5] + (p[1] - c.latitude) * p[3];
    var inside = x >= 0 && y >= 0 && x <= view.width && y <= view.height;
    if (inside) {
      me.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
      acc.setAttribute("r", Math.min(c.accuracy * perMetre, view.width).toFixed(1));
      me.removeAttribute("hidden");
    } else me.setAttribute("hidden", "");
    legend.hidden = !inside;
    var title = best.li.querySelector(".num").textContent + ". " + best.li.querySelector(".t").textContent;
    status.textContent = (inside ? "" : d.outside + " ") + d.nearestIs.replace("{title}", function () { return title; });
    button.disabled = false;
  }
  function failed(error) {
    status.textContent = error && error.code === 1 ? d.denied : d.unavailable;
    button.disabled = false;
  }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { failed(null); return; }
    button.disabled = true;
    status.textContent = d.locating;
    navigator.geolocation.getCurrentPosition(found, failed, { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
  });
})();
