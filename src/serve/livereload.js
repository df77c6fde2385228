// innobieb live reload: injected into pages by `innobieb serve` only, never into `build` output.
(function () {
  "use strict";
  var KEY = "innobieb-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(KEY);
  if (saved !== null) {
    sessionStorage.removeItem(KEY);
    var y = parseInt(saved, 10);
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  }
  function here(paths) {
    var p = location.pathname;
    return paths.indexOf(p) !== -1 || paths.indexOf(p.replace(/index\.html$/, "")) !== -1;
  }
  function reload() {
    sessionStorage.setItem(KEY, String(window.scrollY));
    location.reload();
  }
  function reloadStyles() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("innobieb", String(Date.now()));
      links[i].href = url.toString();
    }
  }
  function overlay(diags) {
    var el = document.getElementById("innobieb-overlay");
    if (!diags || diags.length === 0) {
      if (el) el.remove();
      return;
    }
    if (!el) {
      el = document.createElement("div");
      el.id = "innobieb-overlay";
      el.setAttribute("role", "alertdialog");
      el.setAttribute("aria-label", "Build error");
      el.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);" +
        "color:#fff;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:2rem;";
      document.body.appendChild(el);
    }
    el.textContent = "";
    var h = document.createElement("h2");
    h.textContent = diags.length === 1 ? "1 error: the last good version is still being served" :
      diags.length + " errors: the last good version is still being served";
    h.style.cssText = "color:#ff8a80;font-size:1.2rem;margin:0 0 1rem";
    el.appendChild(h);
    diags.forEach(function (d) {
      var pre = document.createElement("pre");
      pre.className = "innobieb-error";
      pre.textContent = d.rendered;
      pre.style.cssText = "white-space:pre-wrap;background:#222;border-left:4px solid #ff5252;padding:1rem;margin:0 0 1rem";
      el.appendChild(pre);
    });
  }
  var lastVersion = null;
  function connect() {
    var es = new EventSource("/__innobieb/events");
    es.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.type === "hello") {
        overlay(msg.errors);
        if (lastVersion !== null && msg.version !== lastVersion) reload();
        lastVersion = msg.version;
      } else if (msg.type === "errors") {
        overlay(msg.errors);
      } else if (msg.type === "built") {
        lastVersion = msg.version;
        var hadOverlay = !!document.getElementById("innobieb-overlay");
        overlay([]);
        if (msg.css_only) reloadStyles();
        else if (msg.all || here(msg.paths) || hadOverlay) reload();
      }
    };
    es.onerror = function () { es.close(); setTimeout(connect, 1000); };
  }
  connect();
})();
