/* notecheck: the site's only script. Everything works without it; it adds
   a light/dark switch (remembered in localStorage; without it the page
   follows the system's preference) and runs the search on search.html
   over the prebuilt index search-index.js. */
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "notecheck-theme";
  try {
    var saved = localStorage.getItem(KEY);
    if (saved === "dark" || saved === "light") root.setAttribute("data-theme", saved);
  } catch (e) { /* storage may be off */ }

  function effective() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupToggle() {
    var b = document.getElementById("theme-toggle");
    if (!b) return;
    var word = b.querySelector(".theme-word");
    function show() {
      var dark = effective() === "dark";
      b.setAttribute("aria-pressed", dark ? "true" : "false");
      if (word) word.textContent = dark ? "Light" : "Dark";
      b.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    }
    b.hidden = false;
    show();
    b.addEventListener("click", function () {
      var next = effective() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem(KEY, next); } catch (e) { /* ignore */ }
      show();
    });
  }

  function words(q) {
    return q.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  }

  function snippet(text, ws) {
    var low = text.toLowerCase();
    var at = -1;
    for (var i = 0; i < ws.length && at < 0; i++) at = low.indexOf(ws[i]);
    var start = Math.max(0, at - 60);
    var s = (start > 0 ? "…" : "") + text.slice(start, start + 200) + (start + 200 < text.length ? "…" : "");
    return s;
  }

  function mark(el, text, ws) {
    // Text nodes only: the index is never parsed as HTML.
    var low = text.toLowerCase();
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var i = 0; i < ws.length; i++) {
        var p = low.indexOf(ws[i], pos);
        if (p >= 0 && (best < 0 || p < best)) { best = p; len = ws[i].length; }
      }
      if (best < 0) break;
      el.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement("mark");
      m.textContent = text.slice(best, best + len);
      el.appendChild(m);
      pos = best + len;
    }
    el.appendChild(document.createTextNode(text.slice(pos)));
  }

  function search(docs, q) {
    var ws = words(q);
    if (!ws.length) return [];
    var hits = [];
    for (var i = 0; i < docs.length; i++) {
      var d = docs[i];
      var hay = (d.t + " " + d.s + " " + d.x).toLowerCase();
      var score = 0, ok = true;
      for (var j = 0; j < ws.length; j++) {
        var w = ws[j];
        if (hay.indexOf(w) < 0) { ok = false; break; }
        if ((d.t + " " + d.s).toLowerCase().indexOf(w) >= 0) score += 5;
        score += Math.min(5, hay.split(w).length - 1);
      }
      if (ok) hits.push({ d: d, score: score, i: i });
    }
    hits.sort(function (a, b) { return b.score - a.score || a.i - b.i; });
    return hits.slice(0, 50);
  }

  function setupSearch() {
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var input = document.getElementById("search-q");
    if (!list || !status || !input) return;
    var docs = window.NOTECHECK_SEARCH;
    if (!docs) {
      status.textContent = "The search index (search-index.js) could not be loaded.";
      return;
    }
    function run(q) {
      list.textContent = "";
      var ws = words(q);
      if (!ws.length) {
        status.textContent = "Type words to find them in the prose and the claims of every note.";
        return;
      }
      var hits = search(docs, q);
      status.textContent = hits.length
        ? hits.length + (hits.length === 1 ? " result" : " results") + " for “" + q + "”"
        : "Nothing found for “" + q + "”.";
      for (var i = 0; i < hits.length; i++) {
        var d = hits[i].d;
        var li = document.createElement("li");
        li.className = "search-hit search-" + d.k;
        var a = document.createElement("a");
        a.href = d.h;
        a.textContent = d.t + (d.s ? " › " + d.s : "");
        li.appendChild(a);
        if (d.k !== "prose") {
          var b = document.createElement("span");
          b.className = "search-kind badge badge-" + d.k;
          b.textContent = "claim: " + d.k;
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        }
        var p = document.createElement("p");
        mark(p, snippet(d.x, ws), ws);
        li.appendChild(p);
        list.appendChild(li);
      }
    }
    var params = new URLSearchParams(location.search);
    var q = params.get("q") || "";
    input.value = q;
    run(q);
    input.addEventListener("input", function () {
      run(input.value);
      var url = new URL(location.href);
      url.searchParams.set("q", input.value);
      history.replaceState(null, "", url);
    });
  }

  // sidebar.html in a page's frame (large sites): mark the page being read.
  function markCurrent() {
    if (!document.body.classList.contains("page-sidebar") || window.parent === window) return;
    var here;
    try { here = window.parent.location.href.split("#")[0]; } catch (e) { return; }
    var links = document.querySelectorAll(".page-sidebar a[href]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === here) {
        links[i].setAttribute("aria-current", "page");
        links[i].scrollIntoView({ block: "center" });
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupToggle();
    setupSearch();
    markCurrent();
  });
})();
