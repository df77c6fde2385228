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
  // What a theme shows editors only (`data-innobieb-preview hidden`), shown in the preview.
  function showPreviewOnly() {
    var els = document.querySelectorAll("[data-innobieb-preview]");
    for (var i = 0; i < els.length; i++) els[i].hidden = false;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showPreviewOnly);
  else showPreviewOnly();
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
  // The overlay's texts, in the site's language (set by the server before this script).
  var T = window.INNOBIEB_TEXTS || {
    one: "1 problem: the last good version is still shown",
    many: "{count} problems: the last good version is still shown",
    close: "Close", fix: "How to fix:", label: "Build problem", lang: "en"
  };
  // Errors the reader closed stay closed until they change.
  var dismissed = null;
  function overlay(diags) {
    var el = document.getElementById("innobieb-overlay");
    var key = JSON.stringify(diags || []);
    if (!diags || diags.length === 0 || key === dismissed) {
      if (el) el.remove();
      if (!diags || diags.length === 0) dismissed = null;
      return;
    }
    var returnTo = document.activeElement;
    if (!el) {
      el = document.createElement("div");
      el.id = "innobieb-overlay";
      el.setAttribute("role", "alertdialog");
      el.setAttribute("aria-modal", "true");
      el.setAttribute("aria-labelledby", "innobieb-overlay-title");
      el.setAttribute("lang", T.lang);
      el.tabIndex = -1;
      el.addEventListener("keydown", function (e) { if (e.key === "Escape" && el.hide) el.hide(); });
      el.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.96);" +
        "color:#fff;font:15px/1.5 system-ui,sans-serif;padding:1.5rem;";
      document.body.appendChild(el);
    }
    el.textContent = "";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = T.close;
    close.style.cssText = "float:right;font:inherit;padding:.3rem .9rem;border:2px solid #fff;border-radius:4px;" +
      "background:#000;color:#fff;cursor:pointer";
    function hide() {
      dismissed = key;
      el.remove();
      if (returnTo && returnTo.focus) returnTo.focus();
    }
    close.addEventListener("click", hide);
    el.hide = hide;
    el.appendChild(close);
    var h = document.createElement("h2");
    h.id = "innobieb-overlay-title";
    h.textContent = diags.length === 1 ? T.one : T.many.replace("{count}", String(diags.length));
    h.style.cssText = "color:#ffb4a9;font-size:1.25rem;margin:0 0 1rem";
    el.appendChild(h);
    diags.forEach(function (d) {
      var box = document.createElement("section");
      box.className = "innobieb-error";
      box.style.cssText = "background:#222;border-left:4px solid #ff6e61;padding:.8rem 1rem;margin:0 0 1rem";
      var msg = document.createElement("p");
      msg.style.cssText = "margin:0 0 .4rem;font-weight:700";
      msg.textContent = d.message;
      box.appendChild(msg);
      if (d.location) {
        var loc = document.createElement("p");
        loc.style.cssText = "margin:0 0 .4rem;font-family:ui-monospace,Menlo,Consolas,monospace;color:#cfe8ff";
        loc.textContent = d.location;
        box.appendChild(loc);
      }
      var pre = document.createElement("pre");
      pre.textContent = d.rendered;
      pre.style.cssText = "white-space:pre-wrap;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;margin:.4rem 0";
      box.appendChild(pre);
      if (d.help) {
        var help = document.createElement("p");
        help.style.cssText = "margin:.4rem 0 0";
        var b = document.createElement("strong");
        b.textContent = T.fix + " ";
        help.appendChild(b);
        help.appendChild(document.createTextNode(d.help));
        box.appendChild(help);
      }
      el.appendChild(box);
    });
    el.focus();
  }
  // What is served changes with every build and every page rendered after one.
  var lastRevision = null;
  function connect() {
    // The page it shows: the server renders it first when it changes.
    var es = new EventSource("/__innobieb/events?page=" + encodeURIComponent(location.pathname));
    es.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.type === "hello") {
        overlay(msg.errors);
        if (lastRevision !== null && msg.revision !== lastRevision) reload();
        lastRevision = msg.revision;
      } else if (msg.type === "errors") {
        overlay(msg.errors);
      } else if (msg.type === "built") {
        lastRevision = msg.revision;
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
