// The studio's editor, preview and publish pages. Everything works without this file (the
// pages refresh themselves); with it: a line-number gutter that follows the text, jumping to a
// problem's line, the preview appearing when ready with its captions highlighted as it plays,
// and the publish progress without reloading.
(function () {
  "use strict";

  function gutter() {
    var body = document.getElementById("body");
    var list = document.getElementById("gutter");
    if (!body || !list) return;
    var first = parseInt(list.getAttribute("start"), 10) || 1;
    var marks = {};
    Array.prototype.forEach.call(list.children, function (item, index) {
      if (item.className) marks[first + index] = [item.className, item.title];
    });
    var shown = -1;
    function render() {
      var count = Math.max(1, body.value.split("\n").length);
      if (count === shown) return;
      shown = count;
      var fragment = document.createDocumentFragment();
      for (var n = first; n < first + count; n++) {
        var item = document.createElement("li");
        item.textContent = String(n);
        if (marks[n]) { item.className = marks[n][0]; item.title = marks[n][1]; }
        fragment.appendChild(item);
      }
      list.textContent = "";
      list.appendChild(fragment);
    }
    function follow() { list.scrollTop = body.scrollTop; }
    body.addEventListener("input", function () { render(); follow(); });
    body.addEventListener("scroll", follow);
    render();
    document.querySelectorAll("a[data-line]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var line = parseInt(link.getAttribute("data-line"), 10) - first;
        var lines = body.value.split("\n");
        if (line < 0 || line >= lines.length) { body.focus(); return; }
        var start = 0;
        for (var i = 0; i < line; i++) start += lines[i].length + 1;
        body.focus();
        body.setSelectionRange(start, start + lines[line].length);
        var height = body.scrollHeight / lines.length;
        body.scrollTop = Math.max(0, (line - 2) * height);
      });
    });
  }

  function poll(url, every, onData) {
    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && onData(data) !== false) setTimeout(tick, every); })
        .catch(function () { setTimeout(tick, every * 4); });
    }
    tick();
  }

  function preview() {
    var section = document.getElementById("listen");
    if (!section) return;
    if (section.getAttribute("data-state") === "working") {
      poll(section.getAttribute("data-status"), 250, function (data) {
        if (data.state === "working") return true;
        window.location.reload();
        return false;
      });
      return;
    }
    var audio = document.getElementById("preview-audio");
    var list = document.getElementById("captions");
    if (!audio || !list || !audio.textTracks || !audio.textTracks.length) return;
    var track = audio.textTracks[0];
    track.mode = "hidden";
    var items = [];
    function fill() {
      if (!track.cues || items.length) return;
      Array.prototype.forEach.call(track.cues, function (cue) {
        var item = document.createElement("li");
        item.textContent = cue.text;
        item.addEventListener("click", function () { audio.currentTime = cue.startTime + 0.01; audio.play(); });
        list.appendChild(item);
        items.push(item);
      });
    }
    var element = audio.querySelector("track");
    if (element) element.addEventListener("load", fill);
    fill();
    track.addEventListener("cuechange", function () {
      fill();
      var active = track.activeCues && track.activeCues[0];
      items.forEach(function (item, index) {
        var on = active && track.cues[index] === active;
        item.classList.toggle("now", !!on);
        if (on) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
      });
    });
  }

  function publishStatus() {
    var job = document.getElementById("job");
    if (!job || job.getAttribute("data-finished") === "true") return;
    var progress = document.getElementById("progress");
    poll(job.getAttribute("data-status"), 500, function (data) {
      if (data.finished) { window.location.reload(); return false; }
      if (progress) { progress.max = data.total || 1; progress.value = data.done; }
      return true;
    });
  }

  gutter();
  preview();
  publishStatus();
})();
