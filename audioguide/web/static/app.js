/* audioguide visitor app: player, transcript, keypad, offline tour. No framework, no inline code.
   Without this script the pages still work: native audio controls, a readable transcript,
   a keypad form. Everything here is an enhancement. */
(function () {
  "use strict";
  var doc = document;
  var body = doc.body;
  var $ = function (id) { return doc.getElementById(id); };
  function on(target, type, fn, options) { target.addEventListener(type, fn, options); }
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
    del: function (k) { try { localStorage.removeItem(k); } catch (e) { /* private mode */ } }
  };
  /* One tab's hand-over to the next stop when "continue automatically" is on. */
  var session = {
    take: function (k) { try { var v = sessionStorage.getItem(k); sessionStorage.removeItem(k); return v; } catch (e) { return null; } },
    set: function (k, v) { try { sessionStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };
  /* The site's path prefix ("" at the root, "/guide" for an export under one): this script's
     own address is ROOT + "/a/<hash>/app.js". */
  /* Inline in a first scan's page (pages.scan), it has no src: the live server is at the root. */
  var script = doc.currentScript, ROOT = script && script.src ? new URL(script.src).pathname.replace(new RegExp("/a/[^/]+/app[.]js$"), "") : "";
  var reducedMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var root = doc.documentElement;
  root.classList.add("js");
  /* The transcript hint names the input in use: tap, click (CSS: pointer) or keys (here). */
  on(doc, "keydown", function (e) { if (e.key === "Tab") root.classList.add("keys"); });
  on(doc, "pointerdown", function () { root.classList.remove("keys"); });

  function fmt(s) {
    s = Math.max(0, Math.floor(s || 0));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + r : m + ":" + r;
  }

  /* ---- WebVTT: cue ids s1, s2, ... are the transcript's sentence spans ---- */
  function parseVtt(text) {
    var cues = [];
    text.replace(/\r/g, "").split(/\n\n+/).forEach(function (block) {
      var lines = block.split("\n"), i = lines.findIndex(function (l) { return l.indexOf("-->") >= 0; });
      if (i < 0) return;
      var t = lines[i].split("-->");
      cues.push({ id: i > 0 ? lines[i - 1].trim() : "", start: secs(t[0]), end: secs(t[1]) });
    });
    return cues;
  }
  function secs(stamp) {
    var p = stamp.trim().split(/\s+/)[0].split(":").map(Number), v = 0;
    p.forEach(function (n) { v = v * 60 + n; });
    return v;
  }

  /* ---- fast start: the narration fed to the player through Media Source Extensions ----
     The browser's own loading plays nothing before it holds a round trip and its first block
     of the file (Chromium: 32 KB; 1.1 s on Slow 3G); fed here, the audio plays from its first
     few KB (0.55 s). Fetched in ranges: before Play only the first WARM bytes (as
     preload="metadata"), then pieces of PIECE bytes, never more than AHEAD bytes beyond the
     playback (Chromium keeps about 12 MB of audio; it frees what was played). Returns null
     where MSE cannot play MP3 (iPhone Safari: the browser's own loading); calls fail() when it
     cannot go on (no first bytes, an answer that is not this audio, a full buffer, bytes that do
     not decode), for the player to hand over to the browser. */
  var WARM = 98304, PIECE = 1048576, AHEAD = 4194304;
  function stream(audio, url, duration, fail) {
    if (!window.MediaSource || !MediaSource.isTypeSupported("audio/mpeg") || !/[.]mp3$/.test(url)) return null;
    var source = new MediaSource(), address = URL.createObjectURL(source), buf = null, queue = [];
    var at = 0, size = Infinity, busy = false, wanted = false, dead = false, retry = 0, stop = new AbortController();
    var self = { broken: false };
    audio.src = address;
    on(source, "sourceopen", function () {
      URL.revokeObjectURL(address);
      try {
        buf = source.addSourceBuffer("audio/mpeg");
        if (duration) source.duration = duration;  /* the seek bar's length before the bytes */
      } catch (e) { return end(); }
      on(buf, "updateend", pump);
      pump();
    }, { once: true });
    function end() { if (!dead) { self.stop(); fail(); } }
    function pump() {
      if (dead || !buf || buf.updating) return;
      try {
        if (queue.length) buf.appendBuffer(queue.shift());
        else if (at >= size && source.readyState === "open") source.endOfStream();
      } catch (e) { end(); }
    }
    /* Bytes per second of audio, once the file's size is known. */
    function rate() { return isFinite(size) && duration ? size / duration : 0; }
    function next() {
      if (dead || busy || at >= size || (!wanted && at >= WARM) || Date.now() < retry) return;
      if (at - audio.currentTime * rate() > AHEAD) return;  /* asked again as it plays (below) */
      busy = true;
      fetch(url, { signal: stop.signal, headers: { Range: "bytes=" + at + "-" + ((wanted ? at + PIECE : WARM) - 1) } }).then(function (r) {
        /* This audio from byte at, or the browser's own loading (a host without ranges, a
           hotspot's login page). */
        var range = /^bytes (\d+)-\d+\/(\d+)$/.exec(r.headers.get("Content-Range"));
        if (r.status !== 206 || !range || +range[1] !== at || !/^audio\//.test(r.headers.get("Content-Type"))) return end();
        size = +range[2];
        var reader = r.body.getReader();
        return (function read() {
          return reader.read().then(function (c) {
            if (c.done) return;
            queue.push(c.value);
            at += c.value.length;
            pump();
            return read();
          });
        })();
      }).then(function () {
        busy = self.broken = false;
        pump();
        next();
      }).catch(function () {
        busy = false;
        /* Nothing to play: the browser tries (and says what failed). Else the bytes here play
           on; a piece is asked again in 5 s, and the player hands over if they run out. */
        if (!at) end();
        else { self.broken = true; retry = Date.now() + 5000; }
      });
    }
    self.more = function () { wanted = true; next(); };
    /* The next piece as the playback goes on, or moves (seeking waits for its bytes). */
    ["timeupdate", "seeking", "waiting"].forEach(function (type) {
      on(audio, type, function () { if (wanted) next(); });
    });
    /* Whether the bytes for second t are here or on their way (the range being fetched, or the
       next piece once Play is pressed); if not, the player hands over. */
    self.has = function (t) {
      var b = audio.buffered, i, byte = rate() ? t * rate() : t < 1 ? 0 : Infinity;
      for (i = 0; i < b.length; i++) if (t >= b.start(i) - 1 && t < b.end(i) + 1) return true;
      return (!b.length || t >= b.end(b.length - 1)) && byte < (wanted ? at + PIECE : WARM);
    };
    self.stop = function () { dead = true; stop.abort(); URL.revokeObjectURL(address); };
    /* After the caller's more(), if any: Play on a page not warmed asks for a whole piece at
       once (one round trip, not two). */
    Promise.resolve().then(next);
    return self;
  }

  /* Run fn once the audio's first bytes are in (the player says when: firstBytesIn). */
  var waiting = [], holding = false;
  function afterFirstBytes(fn) { if (waiting) waiting.push(fn); else fn(); }
  function firstBytesIn() {
    var now = waiting;
    waiting = null;
    if (now) now.forEach(function (fn) { fn(); });
  }

  /* ---- the stop page player ---- */
  function player() {
    var audio = $("audio"), ui = $("controls");
    if (!audio || !ui) return;
    var box = ui.parentNode, d = box.dataset;
    var play = $("play"), label = $("play-label"), seek = $("seek"), cur = $("cur"), dur = $("dur");
    var key = "pos:" + body.dataset.lang + "/" + body.dataset.stop;
    var duration = parseFloat(audio.dataset.duration) || 0;
    var asked = false, pending = null, dragging = false, lastSave = 0, cues = [], now = null, userScroll = 0;
    var rates = [1, 1.25, 1.5, 0.75], rate = parseFloat(store.get("rate")) || 1;
    var status = $("status"), auto = $("autonext"), stay = $("stay"), timer = 0;

    /* Fast start (stream() above) from the start of the narration; anything unusual hands over
       to the browser's own loading, from the same place (its errors then said as always). Tried
       once per page. */
    var src = audio.getAttribute("src"), fast = null, tried = false;
    function fastStart() {
      if (tried) return;
      tried = true;
      /* Not to resume (a stream starts at 0:00), nor once the browser loads the file itself. */
      if (pending === null && audio.readyState === 0) fast = stream(audio, src, duration, handOver);  /* fail(): at the position now */
    }
    function handOver(t) {
      if (!fast) return;
      var again = !audio.paused;
      if (t === undefined) t = position();
      fast.stop();
      fast = null;
      audio.preload = "metadata";  /* as a warmed page: a failure is known (and said on Play) */
      audio.src = src;
      pending = t > 0 ? t : null;
      if (again) { var p = audio.play(); if (p && p.catch) p.catch(function () { /* Play again */ }); }
    }

    /* The stylesheet already shows these controls instead of the browser's (no layout shift). */
    audio.removeAttribute("controls");
    function fit() { box.classList.toggle("tall", ui.offsetHeight > innerHeight * 0.4); }
    fit();
    on(window, "resize", fit);

    /* Loading, failure and the end are said in words, in a live region. */
    function say(text, error) {
      status.textContent = text || "";
      status.classList.toggle("error", !!error);
      box.classList.toggle("loading", text === d.loading);
    }

    function position() { return pending !== null ? pending : audio.currentTime; }
    function total() { return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : duration; }
    function show() {
      var t = position(), d2 = total();
      cur.textContent = fmt(t);
      dur.textContent = fmt(d2);
      if (!dragging) seek.value = Math.floor(t);
      seek.max = Math.ceil(d2);
      seek.setAttribute("aria-valuetext", d.timeOf.replace("{current}", fmt(t)).replace("{duration}", fmt(d2)));
      highlight(t);
    }
    function seekTo(t) {
      t = Math.max(0, Math.min(t, total() || t));
      /* Far beyond the bytes streamed so far: the browser fetches from there itself. */
      if (fast && !fast.has(t)) handOver(t);
      else if (audio.readyState >= 1) { audio.currentTime = t; pending = null; } else { pending = t; }
      show();
      save(true);
    }
    function save(force) {
      var t = position(), n = Date.now();
      if (!force && n - lastSave < 2000) return;
      lastSave = n;
      if (t > 3 && t < total() - 3) store.set(key, String(Math.floor(t))); else store.del(key);
    }
    function setRate(r) {
      rate = r;
      audio.playbackRate = audio.defaultPlaybackRate = r;
      $("rate").textContent = String(r).replace(".", body.dataset.lang === "en" ? "." : ",") + "×";
      store.set("rate", String(r));
    }
    setRate(rates.indexOf(rate) >= 0 ? rate : 1);

    /* resume where the visitor stopped */
    var saved = parseFloat(store.get(key));
    if (saved > 0) {
      pending = saved;
      var note = $("resume");
      note.textContent = d.resume.replace("{time}", fmt(saved)).replace("{abl}", d.abl ? ablative(fmt(saved)) : "");
      note.hidden = false;
    }
    /* The audio's first bytes, so that Play sounds without waiting for the network (nothing
       plays before Play is pressed): a scanned page's at once (render.py: data-warm), other
       pages' once idle, unless data saver is on (then Play fetches them). */
    function warm() {
      if (!audio.paused || (navigator.connection || {}).saveData) return;
      fastStart();
      if (!fast) audio.preload = "metadata";  /* the browser's own loading */
    }
    if (audio.hasAttribute("data-warm")) warm();
    on(window, "load", function () { (window.requestIdleCallback || setTimeout)(warm); });
    /* What would share a weak signal with those bytes waits for them (or 3 s): the cues, the
       service worker. */
    if (fast) {
      holding = true;
      on(audio, "loadeddata", firstBytesIn, { once: true });
      setTimeout(firstBytesIn, 3000);
    }

    /* Kazakh "0:23-тен": the ending of the last number said aloud (i18n.kk_time_ablative). */
    function ablative(text) {
      var table = d.abl.split(" "), n = 0;
      text.split(":").forEach(function (part) { if (+part) n = +part; });
      return "-" + (n % 10 || !n ? table[n % 10] : table[10 + Math.floor(n / 10) % 10]);
    }

    on(play, "click", function () {
      if (audio.paused) {
        asked = true;
        fastStart();
        if (fast) fast.more();
        if (audio.error) {  /* a failed load is tried again from the same place */
          if (pending === null) pending = audio.currentTime;
          audio.load();
        }
        if (audio.readyState < 3) say(d.loading);
        var p = audio.play();
        if (p && p.catch) p.catch(function () { /* the visitor can press again */ });
      } else audio.pause();
    });
    on($("back"), "click", function () { seekTo(position() - 15); });
    on($("fwd"), "click", function () { seekTo(position() + 15); });
    on($("speed"), "click", function () { setRate(rates[(rates.indexOf(rate) + 1) % rates.length]); });
    on(seek, "input", function () { dragging = true; cur.textContent = fmt(+seek.value); });
    on(seek, "change", function () { dragging = false; seekTo(+seek.value); });

    on(audio, "loadedmetadata", function () {
      if (pending !== null) { audio.currentTime = Math.min(pending, total()); pending = null; }
      audio.playbackRate = rate;
      show();
    });
    on(audio, "play", function () {
      box.classList.add("playing");
      label.textContent = d.pause;
      $("resume").hidden = true;
      if (status.textContent !== d.loading) say("");
      announce();
    });
    /* Waiting for bytes with no signal at all, the browser waits on in silence: say so. */
    function starved() {
      var off = navigator.onLine === false;
      say(off ? d.offline : d.loading, off);
    }
    on(audio, "waiting", function () {
      /* The streamed bytes ran out, the network is gone: the browser's own loading, whose
         waiting (or failure) is said in turn. */
      if (fast && fast.broken) return handOver();
      if (!audio.paused) starved();
    });
    on(window, "offline", function () { if (status.textContent === d.loading) starved(); });
    on(audio, "playing", function () { say(""); });
    on(audio, "error", function () {
      if (fast) return handOver();  /* the stream's bytes did not decode: the browser's loading */
      /* A failed warm-up (preload, once the page is idle) is said only if Play is pressed. */
      if (!asked) return;
      box.classList.remove("playing");
      label.textContent = d.play;
      say(navigator.onLine === false ? d.offline : d.failed, true);
    });
    on(audio, "pause", function () {
      box.classList.remove("playing");
      label.textContent = d.play;
      if (status.textContent === d.loading) say("");
      save(true);
    });
    /* Heard: played to 90 % or the end. The home page ticks it in the list. */
    function heard() { store.set("heard:" + body.dataset.stop, "1"); }
    on(audio, "timeupdate", function () {
      show(); save(false); positionState();
      if (total() && audio.currentTime >= total() * 0.9) heard();
    });
    on(audio, "ended", function () {
      store.del(key);
      heard();
      if (auto && auto.checked) {
        say(d.nextSoon);
        stay.hidden = false;
        stay.focus();
        timer = setTimeout(function () { session.set("autoplay", d.next); location.href = d.next; }, 6000);
        return;
      }
      say(d.ended);
      /* Focus the way on (the next stop's link, or all stops), so a screen reader says it. */
      var link = doc.querySelector('.prevnext a[rel="next"]') || doc.querySelector(".home-link a");
      if (link) link.focus();
    });
    /* "Continue to the next stop automatically": off unless the visitor chose it, remembered. */
    if (auto) {
      auto.checked = store.get("autonext") === "1";
      on(auto, "change", function () {
        if (auto.checked) store.set("autonext", "1");
        else { store.del("autonext"); stay.click(); }
      });
      on(stay, "click", function () {
        clearTimeout(timer);
        stay.hidden = true;
        if (status.textContent === d.nextSoon) say(d.ended);
      });
    }
    on(window, "pagehide", function () { save(true); });

    /* only one stop plays at a time, across tabs */
    var me = Math.random().toString(36).slice(2), channel = null;
    if ("BroadcastChannel" in window) {
      channel = new BroadcastChannel("audioguide-player");
      channel.onmessage = function (e) { if (e.data && e.data.playing !== me) audio.pause(); };
    } else {
      on(window, "storage", function (e) { if (e.key === "playing" && e.newValue && e.newValue.indexOf(me) !== 0) audio.pause(); });
    }
    function announce() {
      if (channel) channel.postMessage({ playing: me });
      else store.set("playing", me + ":" + Date.now());
    }

    /* transcript: highlight the sentence being spoken; tap, click or press Enter on a sentence
       to listen from there. One tab stop for all sentences; the arrow keys move between them. */
    var transcript = $("transcript"), sentences = [], focusable = null;
    var track = audio.querySelector("track");
    if (track && window.fetch) afterFirstBytes(function () {
      fetch(track.src).then(function (r) { return r.ok ? r.text() : ""; }).then(function (t) {
        cues = parseVtt(t);
        sentences = [].filter.call(transcript.querySelectorAll("span[id]"), function (span) {
          /* a sentence holding a link is no button (nested controls): its link stays reachable */
          return !span.querySelector("a, button, input") && cues.some(function (c) { return c.id === span.id; });
        });
        sentences.forEach(function (span) { span.setAttribute("role", "button"); span.tabIndex = -1; });
        if (sentences.length) rove(sentences[0]);
        show();
      }).catch(function () { /* no highlighting; the transcript stays readable */ });
    });
    function rove(span, focus) {
      if (focusable) focusable.tabIndex = -1;
      focusable = span;
      span.tabIndex = 0;
      if (focus) span.focus();
    }
    function listenFrom(span) {
      var cue = cues.find(function (c) { return c.id === span.id; });
      if (!cue) return;
      seekTo(cue.start);
      if (audio.paused) play.click();
    }
    ["wheel", "touchmove"].forEach(function (type) {
      on(window, type, function () { userScroll = Date.now(); }, { passive: true });
    });
    function cueAt(t) {
      var lo = 0, hi = cues.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (cues[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
      }
      return found >= 0 ? cues[found] : null;
    }
    function highlight(t) {
      /* Nothing is marked before the first play: the page is at rest until the visitor chooses. */
      var cue = audio.paused && t === 0 ? null : cueAt(t + 0.05), span = cue ? $(cue.id) : null;
      if (span === now) return;
      if (now) now.classList.remove("now");
      now = span;
      if (!span) return;
      span.classList.add("now");
      if (sentences.indexOf(span) >= 0 && !transcript.contains(doc.activeElement)) rove(span);
      if (audio.paused || Date.now() - userScroll < 4000) return;
      var r = span.getBoundingClientRect(), top = box.getBoundingClientRect().bottom;
      if (r.top < top || r.bottom > window.innerHeight - 16) {
        span.scrollIntoView({ block: "center", behavior: reducedMotion ? "auto" : "smooth" });
      }
    }
    on(transcript, "click", function (e) {
      if (e.target.closest("a")) return;
      var span = e.target.closest("#transcript span[id]");
      if (span) listenFrom(span);
    });
    on(transcript, "keydown", function (e) {
      var i = sentences.indexOf(e.target), k = e.key, to = null;
      if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
      if (k === "Enter" || k === " ") listenFrom(e.target);
      else if (k === "ArrowDown" || k === "ArrowRight") to = sentences[i + 1];
      else if (k === "ArrowUp" || k === "ArrowLeft") to = sentences[i - 1];
      else if (k === "Home") to = sentences[0];
      else if (k === "End") to = sentences[sentences.length - 1];
      else return;
      e.preventDefault();
      if (to) rove(to, true);
    });

    /* lock screen and headphone controls */
    var ms = navigator.mediaSession;
    function positionState() {
      if (!ms || !ms.setPositionState || !isFinite(audio.duration)) return;
      try { ms.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, audio.duration) }); } catch (e) { /* old browsers */ }
    }
    if (ms && window.MediaMetadata) {
      /* Once playing: the browser fetches the artwork when the session starts, and on a weak
         signal those bytes would compete with the audio's first ones. */
      on(audio, "playing", function () {
        ms.metadata = new MediaMetadata({
          title: d.title, artist: d.tour, album: d.album,
          /* PNG or JPEG: iOS shows no SVG on the lock screen. The stop's photo, else the icon. */
          artwork: (d.art ? [{ src: d.art }] : []).concat({ src: d.icon, sizes: "512x512" })
        });
      }, { once: true });
      var handlers = {
        play: function () { play.click(); },
        pause: function () { audio.pause(); },
        seekbackward: function (e) { seekTo(position() - ((e && e.seekOffset) || 15)); },
        seekforward: function (e) { seekTo(position() + ((e && e.seekOffset) || 15)); },
        seekto: function (e) { if (e && e.seekTime != null) seekTo(e.seekTime); }
      };
      Object.keys(handlers).forEach(function (a) {
        try { ms.setActionHandler(a, handlers[a]); } catch (e) { /* action not supported */ }
      });
    }
    show();
    /* Arrived here by "continue automatically": go on playing (the browser may still refuse). */
    if (session.take("autoplay") === location.pathname) play.click();
  }

  /* ---- the transcript's text size: 4 steps, remembered as "ts"; assets.TEXT_SIZE_SCRIPT
     applies it in the head before the first paint (no jump when this script arrives) ---- */
  function textSize() {
    var box = $("tsize"), steps = [0.89, 1, 1.22, 1.56];
    if (!box) return;
    var b = box.children, i = steps.indexOf(parseFloat(store.get("ts")));
    function set(n) {
      i = Math.max(0, Math.min(3, n));
      root.style.setProperty("--ts", steps[i]);
      store.set("ts", steps[i]);
      b[0].setAttribute("aria-disabled", i < 1);
      b[1].setAttribute("aria-disabled", i > 2);
    }
    set(i < 0 ? 1 : i);
    box.onclick = function (e) { if (e.target.value) set(i + Number(e.target.value)); };
  }

  /* ---- the keypad: big digits for visitors who cannot scan ---- */
  function keypad() {
    var pad = $("pad"), input = $("stop-number");
    if (!pad || !input) return;
    on(pad, "click", function (e) {
      var b = e.target.closest("button[data-digit]");
      if (!b) return;
      var v = b.dataset.digit;
      input.value = v === "del" ? input.value.slice(0, -1) : (input.value + v).slice(0, 6);
    });
  }

  /* ---- the offline tour: every page, audio and caption of one language in the Cache API ---- */
  var CACHE_PREFIX = "audioguide-";
  function cacheName(lang) { return CACHE_PREFIX + lang; }

  function readWithProgress(response, onBytes) {
    if (!response.body || !response.body.getReader) return response.blob();
    var reader = response.body.getReader(), parts = [];
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) return new Blob(parts, { type: response.headers.get("Content-Type") || "" });
        parts.push(r.value);
        onBytes(r.value.length);
        return pump();
      });
    }
    return pump();
  }

  /* Fetch what is missing, then drop what the current tour no longer lists (old audio hashes). */
  function download(listUrl, onProgress) {
    return fetch(listUrl, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("list " + r.status);
      return r.json();
    }).then(function (list) {
      return caches.open(cacheName(list.lang)).then(function (cache) {
        var done = 0, queue = list.files.slice(), wanted = {};
        list.files.forEach(function (f) { wanted[new URL(f.url, location.href).href] = true; });
        onProgress(0, list.bytes);
        function one(f) {
          return cache.match(f.url).then(function (hit) {
            var immutable = f.url.indexOf(ROOT + "/media/") === 0 || f.url.indexOf(ROOT + "/img/") === 0 || f.url.indexOf(ROOT + "/a/") === 0;
            if (hit && immutable) { done += f.bytes; onProgress(done, list.bytes); return null; }
            return fetch(f.url, { cache: "no-cache" }).then(function (resp) {
              if (!resp.ok) throw new Error(f.url + " " + resp.status);
              var got = 0;
              return readWithProgress(resp, function (n) { got += n; onProgress(done + got, list.bytes); }).then(function (blob) {
                done += f.bytes;
                var headers = new Headers(resp.headers);
                headers.delete("Content-Encoding");
                headers.delete("Vary");
                headers.set("Content-Length", String(blob.size));
                return cache.put(f.url, new Response(blob, { status: 200, headers: headers }));
              });
            });
          });
        }
        function worker() { var f = queue.shift(); return f ? one(f).then(worker) : Promise.resolve(); }
        return Promise.all([worker(), worker(), worker()]).then(function () {
          return cache.put(listUrl, new Response(JSON.stringify(Object.assign({ saved: Date.now() }, list)), { headers: { "Content-Type": "application/json" } }));
        }).then(function () { return cache.keys(); }).then(function (keys) {
          wanted[new URL(listUrl, location.href).href] = true;
          return Promise.all(keys.filter(function (req) { return !wanted[req.url]; }).map(function (req) { return cache.delete(req); }));
        }).then(function () {
          store.set("offline:" + list.lang, list.version);
          store.set("offline-checked:" + list.lang, String(Date.now()));
          return list;
        });
      });
    });
  }

  function offline() {
    var box = $("offline");
    if (!box || !window.caches || !("serviceWorker" in navigator)) return;
    var d = box.dataset, button = $("download"), bar = $("download-progress"), status = $("download-status"), remove = $("remove");
    var lang = body.dataset.lang, offer = $("offer"), no = $("dismiss");
    /* A stop page offers it in one line until the visitor downloads or says "not now" (remembered). */
    function done() { status.textContent = d.done; bar.hidden = true; if (remove) remove.hidden = false; if (offer) offer.hidden = true; }
    if (no) {
      if (store.get("offline-no") && !store.get("offline:" + lang)) return;
      on(no, "click", function () { store.set("offline-no", "1"); box.hidden = true; });
    }
    box.hidden = false;
    if (store.get("offline:" + lang)) done();
    on(button, "click", function () {
      button.disabled = true;
      bar.hidden = false;
      status.textContent = d.progress;
      var ready = navigator.storage && navigator.storage.persist ? navigator.storage.persist().catch(function () { return false; }) : Promise.resolve();
      ready.then(function () { return navigator.serviceWorker.ready; }).then(function () {
        return download(d.list, function (got, all) {
          bar.max = all;
          bar.value = Math.min(got, all);
          bar.setAttribute("aria-valuetext", Math.round(100 * got / Math.max(all, 1)) + "%");
        });
      }).then(done).catch(function (err) {
        status.textContent = err && err.name === "QuotaExceededError" && d.noSpace || d.failed;
      }).then(function () { button.disabled = false; });
    });
    if (remove) on(remove, "click", function () {
      caches.delete(cacheName(lang)).then(function () {
        store.del("offline:" + lang);
        status.textContent = d.removed;
        remove.hidden = true;
        bar.hidden = true;
      });
    });
  }

  /* A downloaded tour follows rebuilds: at most once an hour, fetch only what changed. */
  function keepFresh() {
    var lang = body.dataset.lang, key = "offline-checked:" + lang;
    if (!window.caches || !store.get("offline:" + lang) || !navigator.onLine) return;
    if (Date.now() - (parseInt(store.get(key), 10) || 0) < 3600 * 1000) return;
    store.set(key, String(Date.now()));
    fetch(ROOT + "/offline/" + lang + ".json", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (list) {
      if (list.version !== store.get("offline:" + lang)) return download(ROOT + "/offline/" + lang + ".json", function () {});
    }).catch(function () { /* offline or weak signal: try another time */ });
  }

  /* Opened at a QR code's address (/s/<id>, the same page): the address bar shows the page's
     own address, so reload, sharing and back use it (and a reload counts no second scan). */
  var canonical = doc.querySelector('link[rel="canonical"]');
  if (canonical) history.replaceState(null, "", canonical.href);
  /* A few seconds after the page is idle, the stylesheet and this script, if a first scan got
     them inline (pages.scan), into the phone's cache for the next pages. (The audio's first
     bytes are the player's: fastStart.) */
  on(window, "load", function () {
    (window.requestIdleCallback || setTimeout)(function () {
      var css = doc.querySelector("style[data-css]"), js = script && script.dataset.js;
      if (css) setTimeout(function () { fetch(css.dataset.css).catch(function () {}); if (js) fetch(js).catch(function () {}); }, 3000);
    });
  });
  /* The service worker once the page has loaded and the audio's first bytes are in: its script
     and first fetches would share a weak signal with them. */
  if ("serviceWorker" in navigator) {
    on(window, "load", function () {
      afterFirstBytes(function () {
        navigator.serviceWorker.register(ROOT + "/sw.js").catch(function () { /* offline tour unavailable */ });
      });
    });
  }
  /* The language this visitor reads, for the next QR scan on a static copy of the site, which
     has no server to read the lang cookie (audioguide export: the /s/<id> pages). */
  if (body.dataset.page === "stop" || body.dataset.page === "home") store.set("lang", body.dataset.lang);
  if (body.dataset.page === "stop") { player(); textSize(); }
  if (!holding) firstBytesIn();  /* no audio loading: nothing waits */
  doc.querySelectorAll(".tick").forEach(function (tick) { tick.hidden = !store.get("heard:" + tick.dataset.stop); });
  keypad();
  offline();
  keepFresh();
})();
