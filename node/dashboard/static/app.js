// solnet dashboard: local times, and live refresh of the page's parts when the node stores new events.
// No inline script anywhere (the CSP forbids it); everything it shows comes from the node's own pages.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var MAX_ATTEMPTS = 20;      // reconnections in a row before giving up (the page says to reload)
  var MAX_DELAY_MS = 30000;
  var MIN_REFRESH_GAP_MS = 500;

  // The viewer's own variant of the page's language (en-GB: 16 Nov 2031, 17:00; fr-CA, ...): the
  // page language decides the words, the browser's locale the date order and clock.
  function viewerLocale() {
    var wanted = navigator.languages || [navigator.language];
    for (var i = 0; i < wanted.length; i++) {
      if (wanted[i] && wanted[i].toLowerCase().split("-")[0] === lang.toLowerCase()) { return wanted[i]; }
    }
    return lang;
  }

  var dateFormat = null;
  try {
    dateFormat = new Intl.DateTimeFormat(viewerLocale(), { dateStyle: "medium", timeStyle: "short" });
  } catch (e) { dateFormat = null; }

  function formatTimes(root) {
    if (!dateFormat) { return; }
    var items = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < items.length; i++) {
      var d = new Date(items[i].getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        items[i].title = items[i].textContent;
        items[i].textContent = dateFormat.format(d);
      }
    }
  }

  var status = document.getElementById("live-status");
  function setStatus(state) {
    if (!status) { return; }
    status.setAttribute("data-state", state);
    var label = status.getAttribute("data-label-" + state);
    status.textContent = label || "";
  }

  formatTimes(document);
  var parts = document.querySelectorAll("[data-fragment]");
  var streamUrl = document.body.getAttribute("data-live");
  if (!streamUrl || !window.EventSource || parts.length === 0) { return; }

  var since = document.body.getAttribute("data-since") || "0";
  var busy = false, again = false, lastRefresh = 0;

  function refresh() {
    if (busy) { again = true; return; }
    var wait = lastRefresh + MIN_REFRESH_GAP_MS - Date.now();
    if (wait > 0) { busy = true; setTimeout(function () { busy = false; refresh(); }, wait); return; }
    busy = true;
    lastRefresh = Date.now();
    var jobs = [];
    for (var i = 0; i < parts.length; i++) {
      (function (el) {
        jobs.push(fetch(el.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html !== null) { el.innerHTML = html; formatTimes(el); } // server-rendered, escaped HTML
          }));
      })(parts[i]);
    }
    Promise.all(jobs).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  var attempts = 0, source = null;
  function connect() {
    source = new EventSource(streamUrl + "?since=" + encodeURIComponent(since));
    source.addEventListener("open", function () { attempts = 0; setStatus("live"); });
    source.addEventListener("change", function (e) {
      if (e.data && +e.data > +since) { since = e.data; refresh(); }
    });
    source.addEventListener("error", function () {
      // Reconnect ourselves, with backoff and a bound, rather than the browser's endless retry.
      source.close();
      attempts += 1;
      if (attempts > MAX_ATTEMPTS) { setStatus("off"); return; }
      setStatus("retry");
      var delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() / 2);
      setTimeout(function () { refresh(); connect(); }, delay);
    });
  }
  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
})();
