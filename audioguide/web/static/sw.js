/* audioguide service worker: serves the downloaded tour without a network.
   The page (app.js) fills one cache per language ("audioguide-<lang>"); this worker only reads.
   - Audio, captions, images and assets have content-hashed URLs: cache first. A Range request
     is answered with a 206 cut from the cached file (as Workbox's range-requests recipe does),
     so seeking works in airplane mode.
   - Pages: the network first (fresh after a rebuild), the cached copy if the network fails or
     takes longer than a few seconds (a weak signal in a field).
   - /s/<id>, / and /go (QR scans, keypad) are resolved from the cached offline list.
   - /studio (staff) is left to the network, never cached. */
"use strict";
var PREFIX = "audioguide-";
var NETWORK_TIMEOUT_MS = 4000;
/* "" at the site's root, "/guide" when it is served under a path prefix (audioguide export). */
var ROOT = new URL(self.registration.scope).pathname.replace(/\/$/, "");

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf(ROOT + "/") !== 0) return;
  var path = url.pathname.slice(ROOT.length);
  // The staff studio is never cached or answered from a cache: straight to the network.
  if (/^\/studio(\/|$)/.test(path)) return;
  if (/^\/(media|img|a)\//.test(path)) {
    event.respondWith(fromCache(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

function match(key) {
  return caches.match(key, { ignoreVary: true, ignoreSearch: false });
}

function fromCache(request, url) {
  return match(url.pathname).then(function (hit) {
    if (!hit) return fetch(request).catch(function (error) { return otherWidth(url.pathname, error); });
    var range = request.headers.get("Range");
    return range ? partial(hit, range) : hit;
  });
}

/* Offline, the page asks for a photo at the width this screen wants, while the offline tour
   keeps one width of each photo (/offline/<lang>.json): show that one rather than nothing. */
function otherWidth(pathname, error) {
  var stop = /^\/img\/[^/]+\/([a-z0-9-]+)\//.exec(pathname.slice(ROOT.length));
  if (!stop) throw error;
  var same = new RegExp("^" + ROOT + "/img/[^/]+/" + stop[1] + "/");
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; }).map(function (n) {
      return caches.open(n).then(function (cache) { return cache.keys(); });
    }));
  }).then(function (lists) {
    var found = [].concat.apply([], lists).find(function (r) { return same.test(new URL(r.url).pathname); });
    if (!found) throw error;
    return match(found);
  });
}

/* A 206 from a cached 200: bytes=a-b, bytes=a- and bytes=-n; 416 when it cannot be satisfied. */
function partial(response, header) {
  return response.blob().then(function (blob) {
    var size = blob.size, m = /^bytes=(\d*)-(\d*)$/.exec(header.trim()), start, end;
    if (m && m[1] !== "") {
      start = Number(m[1]);
      end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    } else if (m && m[2] !== "") {
      start = Math.max(0, size - Number(m[2]));
      end = size - 1;
      if (Number(m[2]) === 0) start = size;
    }
    if (start === undefined || start >= size || start > end) {
      return new Response("", { status: 416, statusText: "Range Not Satisfiable", headers: { "Content-Range": "bytes */" + size } });
    }
    var headers = new Headers(response.headers);
    headers.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
    headers.set("Content-Length", String(end - start + 1));
    return new Response(blob.slice(start, end + 1), { status: 206, statusText: "Partial Content", headers: headers });
  });
}

function page(request, url) {
  return match(url.pathname).then(function (cached) {
    var network = fetch(request);
    if (!cached) return network.catch(function () { return offlineAnswer(url); });
    var timeout = new Promise(function (resolve) { setTimeout(resolve, NETWORK_TIMEOUT_MS, cached); });
    return Promise.race([network.then(function (r) { return r.ok || r.type === "opaqueredirect" ? r : cached; }, function () { return cached; }), timeout]);
  });
}

/* The offline lists this phone keeps, newest download first. */
function offlineLists() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; }).map(function (name) {
      return caches.open(name).then(function (cache) {
        return cache.match(ROOT + "/offline/" + name.slice(PREFIX.length) + ".json");
      }).then(function (r) { return r ? r.json() : null; });
    }));
  }).then(function (lists) {
    return lists.filter(Boolean).sort(function (a, b) { return (b.saved || 0) - (a.saved || 0); });
  });
}

function offlineAnswer(url) {
  return offlineLists().then(function (lists) {
    if (!lists.length) return new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    var wanted = url.searchParams.get("lang");
    var list = lists.find(function (l) { return l.lang === wanted; }) || lists[0];
    var path = url.pathname.slice(ROOT.length), key = null;
    var scan = /^\/s\/([^/]+)$/.exec(path);
    if (scan) key = decodeURIComponent(scan[1]).toLowerCase();
    if (path === "/go" || path === "/go.html") key = (url.searchParams.get("n") || "").trim().toLowerCase();
    if (key !== null) {
      var stop = list.stops.find(function (s) {
        return s.id === key || String(s.number) === key || s.aliases.indexOf(key) >= 0;
      });
      if (stop) return Response.redirect(ROOT + "/" + list.lang + "/" + stop.id, 302);
    }
    return match(ROOT + "/" + list.lang + "/").then(function (home) {
      return home || Response.redirect(ROOT + "/" + list.lang + "/", 302);
    });
  });
}
