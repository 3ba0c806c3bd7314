// solnet dashboard: local times; after a failed form, the focus on its summary of errors; and live
// refresh of the page's parts when the node stores new events. A part is patched in place, never
// replaced: what did not change stays the same node, so the keyboard focus stays where it is, and a
// screen reader hears only what is new: each new alert, update and all clear once, through the
// persistent #alert-news, and each change of the state of live updates (#live-status shows it)
// through the persistent #live-news (role=status): not its first state at every page load. Every
// page of the admin's listens: one without live parts of its own (a form being filled in) holds no
// stream but reads the alerts alone (/fragment/alerts) every 10 s (60 s in a hidden tab), says the
// new ones as the overview does and lists them in #alert-notice, never touching the form. A failed
// read is asked again (backoff up to 30 s), and the status stops saying "live" while they fail.
// No inline script anywhere (the CSP forbids it); everything it shows comes from the node's own pages.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var MAX_ATTEMPTS = 20;      // reconnections in a row before giving up (the page says to reload)
  var MAX_DELAY_MS = 30000;
  var MIN_REFRESH_GAP_MS = 500;
  // ... and at least this many times as long as the last refresh took: a node that is slow to make
  // the page (a Pi taking its first sync: 4 s the overview) spends at most a third of its time on it.
  // Back to back, one open overview took the rest of a Pi's CPU: its first sync and an alert twice as slow.
  var REFRESH_GAP_TIMES = 2;
  // ... but never more than this: one answer held up once (a Tor circuit, an ssh -L stalled 20 s)
  // kept a raid alert published next off the page twice that long (40 s).
  var MAX_REFRESH_GAP_MS = 5000;
  var FRAGMENT_TIMEOUT_MS = 30000;  // a live part's answer given up after this (`givingUp`)

  // The viewer's own variant of the page's language (en-GB: 16 Nov 2031, 17:00; fr-CA, ...): the
  // page language decides the words, the browser's locale the date order and clock.
  function viewerLocale() {
    var wanted = navigator.languages || [navigator.language];
    for (var i = 0; i < wanted.length; i++) {
      if (wanted[i] && wanted[i].toLowerCase().split("-")[0] === lang.toLowerCase()) { return wanted[i]; }
    }
    return lang;
  }

  // Every time shown carries its zone (the viewer's own): a coordinator in Paris reading a node in
  // London must not guess which 18:00 is meant.
  var dateFormat = null;
  try {
    dateFormat = new Intl.DateTimeFormat(viewerLocale(), { weekday: "short", day: "numeric", month: "short",
      year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { dateFormat = null; }
  (function timesZoneSaid() {  // the footer says UTC (what the page holds) until the times are shown in the reader's zone
    var said = document.getElementById("times-zone");
    if (dateFormat && said) { said.textContent = said.getAttribute("data-label-local"); }
  })();

  // A page that came over plain HTTP across a network (not this machine's loopback, an onion service
  // in Tor Browser or HTTPS: the browser's own judgement, window.isSecureContext) can be read on
  // the way, and so can what is sent from it: said on the page (#plain-http), and a form marked
  // data-needs-secure (the login's passphrase, which opens the node's keys) is not sent from it at all.
  (function plainHttp() {
    if (window.isSecureContext !== false) { return; }  // (a browser that does not say: nothing changed)
    var said = document.getElementById("plain-http");
    if (said) { said.hidden = false; }
    var forms = document.querySelectorAll("form[data-needs-secure]");
    for (var i = 0; i < forms.length; i++) {
      var parts = forms[i].querySelectorAll("input, button");
      for (var j = 0; j < parts.length; j++) { parts[j].disabled = true; }
      forms[i].addEventListener("submit", function (e) { e.preventDefault(); });
    }
  })();

  // Forms: times typed are read in the browser's zone, which the form sends and its hints name.
  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }
  (function statedZone() {
    var zone = browserZone();
    if (!zone) { return; }  // the node's zone then, as the hints already say
    var fields = document.querySelectorAll("input[data-browser-zone]");
    for (var i = 0; i < fields.length; i++) { fields[i].value = zone; }
    var hints = document.querySelectorAll(".hint-zone[data-label-browser]");
    for (var j = 0; j < hints.length; j++) {
      hints[j].textContent = hints[j].getAttribute("data-label-browser").replace("{zone}", zone);
    }
  })();

  // An untitled event's name ends with when it was made or starts ("Need: tents, calais, 2026-12-07
  // 08:18 UTC", node/dashboard/event_names.py), written in UTC as a <time>'s text is before it is
  // formatted: said in the reader's zone as well, where a name is said (the page's title, its heading,
  // a form's "That is:", a link to an event, the name of a link that acts on one). The heading said
  // "08:18 UTC" over "posted Mon 7 Dec, 09:18 CET".
  var NAMED_UTC = /\b(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d) UTC\b(?![+\-])/g;
  var NAMED_PLACES = "h1, .named-ref, a[href^='/event/']";
  function localNamed(text) {
    return text.replace(NAMED_UTC, function (whole, y, mo, d, h, mi) {
      var at = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi));
      return isNaN(at.getTime()) ? whole : dateFormat.format(at);
    });
  }
  function formatNamed(root) {
    var labelled = root.querySelectorAll("[aria-label]"), i, said;
    for (i = 0; i < labelled.length; i++) {
      said = localNamed(labelled[i].getAttribute("aria-label"));
      if (said !== labelled[i].getAttribute("aria-label")) { labelled[i].setAttribute("aria-label", said); }
    }
    var places = root.querySelectorAll(NAMED_PLACES);
    for (i = 0; i < places.length; i++) {
      var walker = document.createTreeWalker(places[i], NodeFilter.SHOW_TEXT), text;
      while ((text = walker.nextNode())) {
        said = localNamed(text.nodeValue);
        if (said !== text.nodeValue) { text.nodeValue = said; }
      }
    }
    if (root === document) { document.title = localNamed(document.title); }
  }

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
    formatNamed(root);
  }

  var status = document.getElementById("live-status"), statusNews = document.getElementById("live-news");
  function setStatus(state) {
    if (!status || status.getAttribute("data-state") === state) { return; }  // said once per change
    var before = status.getAttribute("data-state"), label = status.getAttribute("data-label-" + state) || "";
    status.setAttribute("data-state", state);
    status.textContent = label;
    // Live updates on at load is what a page is expected to do, no news: said are a change from a
    // state held before (lost, back again) and a first state that is a problem.
    if (statusNews && (before !== "idle" || state !== "live")) { statusNews.textContent = label; }
  }

  // --- live alerts: each new one, each update of one and its all clear, said once -----------------
  // An alert's announcement (data-label-announce) carries its latest text: when it changes, the alert
  // was updated; when an alert leaves the banner and is in the alert history, it ended with an all
  // clear. A person who cannot see the banner change hears both, as a new alert.
  var news = document.getElementById("alert-news");
  var seenAlerts = {};  // key -> its announcement as last said or seen
  var seenEnds = {};  // key -> when it expires (data-expires), as last seen
  // A page without the overview's banner (a form) has no alerts to start from: it reads them from
  // /fragment/alerts, each with where the node stored it (data-n) and its last update
  // (data-changed-n); what came after the page was made (data-since) is news, the rest is not. Once
  // read, an alert not read before is news whatever its place (its content may come after it).
  var pageSince = +(document.body.getAttribute("data-since") || 0), clearsSaid = {}, watched = false;
  function after(item, name) { return item.hasAttribute(name) && +item.getAttribute(name) > pageSince; }
  // A new alert folded with its lineage's flood (the banner's <details class="alerts-folded">,
  // node/alert_banner.py) is not said, notified or listed one by one: the fold's one line is, once
  // (`folded`: its words), so that a hundred made-up groups' alerts are not read out over a real one.
  function alertNews(root) {
    var items = root.querySelectorAll(".alerts li[data-key]"), now = {}, ends = {};
    var said = { fresh: [], updated: [], cleared: [], ended: [], folded: null, foldedItems: [] };
    var fold = root.querySelector(".alerts-folded summary");
    // when the node read what `root` shows: an alert gone from the banner, not cleared, whose end it
    // had passed expired (one gone for another reason, a crowded banner, is not said to have ended)
    var history = root.querySelector("#history-list"), readAt = history ? +(history.getAttribute("data-now") || 0) : 0;
    for (var i = 0; i < items.length; i++) {
      var key = items[i].getAttribute("data-key"), label = items[i].getAttribute("data-label-announce");
      now[key] = label;
      if (items[i].hasAttribute("data-expires")) { ends[key] = +items[i].getAttribute("data-expires"); }
      if (!(key in seenAlerts)) {
        if (watched || !items[i].hasAttribute("data-n") || after(items[i], "data-n")) {
          if (fold && items[i].closest(".alerts-folded")) { said.foldedItems.push(items[i]); said.folded = fold.textContent; }
          else { said.fresh.push(items[i]); }
        }
        else if (after(items[i], "data-changed-n")) { said.updated.push(label); }
      }
      else if (seenAlerts[key] !== label) { said.updated.push(label); }
    }
    for (var gone in seenAlerts) {
      if (gone in now) { continue; }
      var ended = root.querySelector("#history-list li[data-key='" + gone + "']");
      if (ended) { said.cleared.push(ended.getAttribute("data-label-announce")); clearsSaid[gone] = true; }
      else if (gone in seenEnds && readAt && seenEnds[gone] <= readAt) { said.ended.push(seenAlerts[gone]); }
    }
    var clears = root.querySelectorAll("#history-list li[data-changed-n]");  // (/fragment/alerts: ended since the page opened)
    for (var j = 0; j < clears.length; j++) {
      var end = clears[j].getAttribute("data-key");
      if (!(end in seenAlerts) && !clearsSaid[end] && after(clears[j], "data-changed-n")) {
        said.cleared.push(clears[j].getAttribute("data-label-announce"));
        clearsSaid[end] = true;
      }
    }
    seenAlerts = now;
    seenEnds = ends;
    return said;
  }
  alertNews(document);  // those on the page when it opened are not news

  // --- alert notifications and sound: opt-in, remembered in this browser -------------------------
  var PREFS_KEY = "solnet.notify";
  var panel = document.getElementById("notify");
  var audio = null;
  function prefs() {
    try {
      var p = JSON.parse(window.localStorage.getItem(PREFS_KEY) || "null");
      if (p && typeof p.on === "boolean" && Array.isArray(p.regions)) { return p; }
    } catch (e) { /* storage blocked or damaged: off */ }
    return { on: false, regions: [] };
  }
  function savePrefs(p) {
    try { window.localStorage.setItem(PREFS_KEY, JSON.stringify(p)); } catch (e) { /* not remembered */ }
  }
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      if (!audio) { audio = new Context(); }
      if (audio.state === "suspended") { audio.resume(); }
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.25;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.5);
    } catch (e) { /* no sound, the notification still shows */ }
  }
  function chosen(p, item) { return !p.regions.length || p.regions.indexOf(item.getAttribute("data-region")) >= 0; }
  function notifyAlerts(items, folded, foldedItems) {
    var p = prefs();
    if (!p.on || !window.Notification || Notification.permission !== "granted") { return; }
    var sounded = false, colon = (panel && panel.getAttribute("data-label-colon")) || ":";
    if (folded && foldedItems.some(function (item) { return chosen(p, item); })) {
      try {  // one notification for the fold, replaced by the next one (its tag)
        new Notification(document.title.split(" · ").pop(), { body: folded, tag: "alerts-folded", lang: lang });
        beep();
        sounded = true;
      } catch (e) { /* not shown: the page says it */ }
    }
    for (var i = 0; i < items.length; i++) {
      var region = items[i].getAttribute("data-region");
      if (!chosen(p, items[i])) { continue; }
      try {  // "solnet: calais", the colon as the page's language writes it ("solnet\u202f: calais" in French)
        new Notification(document.title.split(" · ").pop() + colon + " " + (region || ""), {
          body: items[i].getAttribute("data-label-announce"), tag: items[i].getAttribute("data-key"), lang: lang });
      } catch (e) { continue; }
      if (!sounded) { beep(); sounded = true; }
    }
  }
  function showPanel() {
    if (!panel) { return; }
    var p = prefs(), button = document.getElementById("notify-toggle"), state = document.getElementById("notify-state");
    var boxes = panel.querySelectorAll("input.notify-region");
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = p.regions.indexOf(boxes[i].value) >= 0; }
    var supported = !!window.Notification;
    var on = p.on && supported && Notification.permission === "granted";
    // The button says what it does (turn on, turn off) and #notify-state what holds: no aria-pressed,
    // which with a name that changes read "Turn off notifications, pressed" (on and off at once).
    button.textContent = panel.getAttribute(on ? "data-button-off" : "data-button-on");
    var said = !supported ? "unsupported" : (p.on && Notification.permission === "denied") ? "denied" : (on ? "on" : "off");
    state.textContent = panel.getAttribute("data-label-" + said);
    button.disabled = !supported;
    panel.hidden = false;
    var link = document.getElementById("notify-link");  // (the page's head leads to it, at the end)
    if (link) { link.hidden = false; }
  }
  if (panel) {
    panel.addEventListener("change", function (e) {
      if (!e.target.classList.contains("notify-region")) { return; }
      var p = prefs(), chosen = [], boxes = panel.querySelectorAll("input.notify-region:checked");
      for (var i = 0; i < boxes.length; i++) { chosen.push(boxes[i].value); }
      p.regions = chosen;
      savePrefs(p);
    });
    document.getElementById("notify-toggle").addEventListener("click", function () {
      var p = prefs();
      if (p.on && window.Notification && Notification.permission === "granted") {
        p.on = false; savePrefs(p); showPanel(); return;
      }
      beep();  // a click is the moment a browser lets a page start its sound
      Notification.requestPermission().then(function (answer) {
        p.on = answer !== "default";  // denied: remembered as wanted, and the panel says how to allow them
        savePrefs(p);
        showPanel();
      });
    });
    showPanel();
  }

  // --- patching a part in place ---------------------------------------------------------------
  // Children are matched by id or data-key (list items carry their event's id), else in order among
  // those of the same tag (the first of the same class if there is one): a line added or dropped in
  // an item never shifts its other lines onto each other. A matched node is kept and patched, the
  // others are added or removed.
  function keyOf(node) {
    if (node.nodeType !== 1) { return null; }
    if (node.id) { return "#" + node.id; }
    var key = node.getAttribute("data-key");
    return key ? "k:" + key : null;
  }

  function kindOf(node) {
    return node.nodeType === 1 ? node.tagName : "#" + node.nodeType;
  }

  function sameKind(a, b) {
    return a.nodeType === b.nodeType && (a.nodeType !== 1 || a.tagName === b.tagName);
  }

  function syncAttributes(old, fresh) {
    var i, name;
    for (i = old.attributes.length - 1; i >= 0; i--) {
      name = old.attributes[i].name;
      // <details open> is the reader's choice, not the server's
      if (!fresh.hasAttribute(name) && !(name === "open" && old.tagName === "DETAILS")) { old.removeAttribute(name); }
    }
    for (i = 0; i < fresh.attributes.length; i++) {
      name = fresh.attributes[i].name;
      if (old.getAttribute(name) !== fresh.attributes[i].value) { old.setAttribute(name, fresh.attributes[i].value); }
    }
  }

  function patch(old, fresh) {
    if (old.nodeType !== 1) {
      if (old.nodeValue !== fresh.nodeValue) { old.nodeValue = fresh.nodeValue; }
      return;
    }
    syncAttributes(old, fresh);
    patchChildren(old, fresh);
  }

  function patchChildren(parent, freshParent) {
    var olds = Array.prototype.slice.call(parent.childNodes);
    var fresh = Array.prototype.slice.call(freshParent.childNodes);
    var byKey = {}, pools = {}, kept = [], wanted = [], i, j, key, match, pool;
    for (i = 0; i < olds.length; i++) {
      key = keyOf(olds[i]);
      if (key) { byKey[key] = olds[i]; } else { (pools[kindOf(olds[i])] = pools[kindOf(olds[i])] || []).push(olds[i]); }
    }
    for (i = 0; i < fresh.length; i++) {
      key = keyOf(fresh[i]);
      match = null;
      if (key) {
        if (byKey[key] && sameKind(byKey[key], fresh[i])) { match = byKey[key]; }
        delete byKey[key];
      } else if ((pool = pools[kindOf(fresh[i])]) && pool.length) {
        j = 0;
        if (fresh[i].nodeType === 1) {
          while (j < pool.length && pool[j].className !== fresh[i].className) { j++; }
          if (j === pool.length) { j = 0; }
        }
        match = pool.splice(j, 1)[0];
      }
      if (match) { patch(match, fresh[i]); kept.push(match); wanted.push(match); }
      else { wanted.push(document.importNode(fresh[i], true)); }
    }
    for (i = 0; i < olds.length; i++) {
      if (kept.indexOf(olds[i]) < 0) { parent.removeChild(olds[i]); }
    }
    // Put them in order, never moving the one that holds the focus: moving it would drop the focus.
    var focused = document.activeElement, holder = null;
    for (i = 0; i < wanted.length; i++) {
      if (wanted[i] === focused || (wanted[i].nodeType === 1 && wanted[i].contains(focused))) { holder = wanted[i]; }
    }
    var at = parent.firstChild;
    for (i = 0; i < wanted.length; i++) {
      if (wanted[i] === holder) { at = holder.nextSibling; continue; }
      if (wanted[i] === at) { at = at.nextSibling; continue; }
      parent.insertBefore(wanted[i], at);
    }
  }

  var watch = document.querySelector("[data-alert-watch]");
  function refreshPart(el, html) {
    var template = document.createElement("template");
    template.innerHTML = html;  // server-rendered, escaped HTML, parsed inert: nothing in it runs or loads
    if (el.hasAttribute("data-alert-watch")) {  // read, not shown as is
      sayNews(alertNews(template.content), el);
      watched = true;
      return;
    }
    formatTimes(template.content);  // as the page shows them, so unchanged times stay untouched
    var focused = document.activeElement;
    var inside = focused && focused !== document.body && el.contains(focused);
    var section = inside && focused.closest ? focused.closest("[aria-labelledby]") : null;
    var heading = section ? section.getAttribute("aria-labelledby") : null;
    patchChildren(el, template.content);
    if (inside && !focused.isConnected) {  // its item left the page (an alert expired, a need was covered)
      var target = (heading && document.getElementById(heading)) || el;
      target.focus({ preventScroll: true });
    }
    if (!watch) { sayNews(alertNews(document), null); }  // (an event page's alerts: its watch says them)
  }

  // New alerts, updates and all clears said through #alert-news; new alerts notified, and listed in
  // `notice` (#alert-notice, on a page without the banner), each a link to its page.
  function sayNews(said, notice) {
    var fresh = said.fresh, parts = [];
    if (fresh.length) {
      var labels = [];
      for (var i = 0; i < fresh.length; i++) { labels.push(fresh[i].getAttribute("data-label-announce")); }
      parts.push(news.getAttribute("data-label-new") + " " + labels.join(" — "));
    }
    if (said.folded) { parts.push(said.folded); }
    if (said.updated.length) { parts.push(news.getAttribute("data-label-updated") + " " + said.updated.join(" — ")); }
    if (said.cleared.length) { parts.push(news.getAttribute("data-label-cleared") + " " + said.cleared.join(" — ")); }
    if (said.ended.length) { parts.push(news.getAttribute("data-label-ended") + " " + said.ended.join(" — ")); }
    if (parts.length && news) { news.textContent = parts.join(" — "); }
    if (fresh.length || said.folded) { notifyAlerts(fresh, said.folded, said.foldedItems); }
    if ((fresh.length || said.folded) && notice) { showNotice(notice, fresh, said.folded); }
  }

  // Shown where the page's content starts and kept in sight (sticky) while a long form scrolls;
  // nothing is moved under the focus or out of the form, and a field the focus goes to is scrolled
  // clear of it (scroll-padding). Hidden again by its button.
  function showNotice(notice, fresh, folded) {
    var list = notice.querySelector("ul");
    if (folded) {  // the fold's line, a link to it on the overview; one, replaced by the next
      var line = list.querySelector("li.alerts-folded-line") || document.createElement("li"), to = document.createElement("a");
      line.className = "alerts-folded-line";
      to.href = "/#alerts-folded";
      to.textContent = folded;
      line.textContent = "";
      line.appendChild(to);
      list.insertBefore(line, list.firstChild);
    }
    for (var i = 0; i < fresh.length; i++) {
      var item = document.createElement("li"), link = document.createElement("a");
      link.href = "/event/" + encodeURIComponent(fresh[i].getAttribute("data-key"));
      link.textContent = fresh[i].getAttribute("data-label-announce");  // as text: nothing in it is markup
      link.dir = "auto";
      item.appendChild(link);
      list.insertBefore(item, list.firstChild);  // newest first, as the banner
    }
    notice.hidden = false;
    document.documentElement.style.scrollPaddingTop = (notice.offsetHeight + 16) + "px";
  }
  var noticeHide = document.getElementById("alert-notice-hide");
  if (noticeHide) {
    noticeHide.addEventListener("click", function () {
      var notice = document.getElementById("alert-notice"), main = document.getElementById("main");
      main.setAttribute("tabindex", "-1");
      main.focus({ preventScroll: true });  // (the button is going: the focus not dropped to the page's start)
      notice.hidden = true;
      notice.querySelector("ul").textContent = "";
      document.documentElement.style.scrollPaddingTop = "";
    });
  }

  formatTimes(document);
  // A failed form: its problems first, each a link to its field. Else a confirmation ("Published"):
  // on the page from its start, a live region would not say it; the focus on it does.
  var summary = document.querySelector(".error-summary[data-focus]") || document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  var parts = document.querySelectorAll("[data-fragment]");
  var streamUrl = document.body.getAttribute("data-live");
  // A page with live parts of its own (the overview, an event page) holds the live stream; one whose
  // only part is the alert watch (a form, /groups) polls /fragment/alerts instead: a browser opens
  // 6 connections to a node, and 6 such tabs each holding a stream left none for any fetch (no
  // alert was said in any tab, a 7th page did not even load).
  var ownParts = document.querySelectorAll("[data-fragment]:not([data-alert-watch])").length > 0;
  if (!streamUrl || parts.length === 0 || (ownParts && !window.EventSource)) { return; }
  var polling = !ownParts;
  var POLL_VISIBLE_MS = 10000, POLL_HIDDEN_MS = 60000;  // (a poll costs the node ~16 ms at 130 alerts)
  var FAILURES_SAID = 2;  // fetches failed in a row before the page stops saying it is live

  // `since`: the last change whose parts were read and applied; `told`: the last the stream told of.
  // `since` moves only once an answer is applied: a failed fetch is asked again, never skipped.
  var since = document.body.getAttribute("data-since") || "0", told = since;
  var busy = false, again = false, lastRefresh = 0, lastTook = 0, failures = 0, stopped = false, timer = null;
  var streamOpen = false;
  // What each part shows was drawn with of what changes while no event comes (the links, the cut off,
  // when its live alerts end: node/dashboard/quiet_drawn.py), from the page, then from each answer
  // applied. Each stream, a reconnect's too, is sent them, and says `recheck` at once if they no longer
  // hold: taking its own start for the page's, it kept a raid alert that ended meanwhile "live" for hours.
  var drawn = [], pageDrawn = document.body.getAttribute("data-quiet");
  for (var d = 0; d < parts.length; d++) { drawn.push(parts[d].hasAttribute("data-alert-watch") ? null : pageDrawn); }

  // A fetch that never answers (a connection that died without a word: a laptop's sleep, a Tor
  // circuit) would hold `busy` for good, and the page would never show another change, a raid
  // alert among them: each is given up after FRAGMENT_TIMEOUT_MS, and asked again.
  function givingUp(ms) {
    if (!window.AbortController) { return undefined; }
    var control = new AbortController();
    setTimeout(function () { control.abort(); }, ms);
    return control.signal;
  }

  function refreshGap() {
    return Math.min(MAX_REFRESH_GAP_MS, Math.max(MIN_REFRESH_GAP_MS, REFRESH_GAP_TIMES * lastTook));
  }
  function later(ms) {  // the one next refresh planned (a poll or a retry)
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; refresh(); }, ms);
  }
  function nextPoll() {
    return document.visibilityState === "hidden" ? POLL_HIDDEN_MS : POLL_VISIBLE_MS;
  }
  function stop(state) {
    stopped = true;
    if (timer) { clearTimeout(timer); }
    if (source) { source.close(); }
    setStatus(state);
  }

  var LOGIN = {};  // (a fetch answered 401: the login ended)
  function refresh() {
    if (stopped) { return; }
    if (busy) { again = true; return; }
    var wait = lastRefresh + lastTook + refreshGap() - Date.now();
    if (wait > 0) { busy = true; setTimeout(function () { busy = false; refresh(); }, wait); return; }
    if (timer) { clearTimeout(timer); timer = null; }
    busy = true;
    lastRefresh = Date.now();
    var target = told, jobs = [];
    for (var i = 0; i < parts.length; i++) {
      (function (el, at) {
        var quiet = null;
        jobs.push(fetch(el.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" },
                                                            signal: givingUp(FRAGMENT_TIMEOUT_MS) })
          .then(function (r) {
            if (r.status === 401) { throw LOGIN; }
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            quiet = r.headers.get("X-Solnet-Quiet");
            return r.text();
          })
          .then(function (html) { refreshPart(el, html); drawn[at] = quiet; return true; },
                function (e) { return e === LOGIN ? LOGIN : false; }));
      })(parts[i], i);
    }
    Promise.all(jobs).then(function (results) {
      lastTook = Date.now() - lastRefresh;
      busy = false;
      if (results.indexOf(LOGIN) >= 0) { stop("login"); return; }
      if (results.indexOf(false) < 0) {
        failures = 0;
        if (+target > +since) { since = target; }
        if (polling || streamOpen) { setStatus("live"); }
      } else {
        // Asked again after the usual gap, twice as long at each failure in a row (up to 30 s); the
        // page no longer says it is live while they fail.
        failures += 1;
        if (failures >= FAILURES_SAID) { setStatus("retry"); }
        again = false;
        later(Math.min(MAX_DELAY_MS, refreshGap() * Math.pow(2, failures - 1)));
        return;
      }
      if (again) { again = false; refresh(); }
      else if (polling) { later(nextPoll()); }
    });
  }

  if (polling) {
    // Shown again (or hidden): the next poll at the new pace, counted from the last one.
    document.addEventListener("visibilitychange", function () {
      if (stopped || busy || failures || !timer) { return; }
      later(Math.max(0, lastRefresh + lastTook + nextPoll() - Date.now()));
    });
    refresh();  // the alerts now (those stored since the page was made are news), then at each poll
    return;
  }

  function loggedOut() {  // true only when the node answered, and said this browser is not logged in
    return fetch(parts[0].getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.status === 401; }, function () { return false; });
  }

  var attempts = 0, source = null;
  function connect() {
    var address = streamUrl + "?since=" + encodeURIComponent(since);
    for (var i = 0; i < drawn.length; i++) { if (drawn[i]) { address += "&quiet=" + encodeURIComponent(drawn[i]); } }
    source = new EventSource(address);
    source.addEventListener("open", function () { attempts = 0; streamOpen = true; if (!failures) { setStatus("live"); } });
    source.addEventListener("change", function (e) {
      if (e.data && +e.data > +since) { if (+e.data > +told) { told = e.data; } refresh(); }
    });
    // No event came, yet what the page shows changed (a live alert ended, the links went): read again.
    source.addEventListener("recheck", function () { refresh(); });
    // The node ends each stream after its lifetime (STREAM_LIFETIME_S) and says so: a new one is
    // opened at once, without a word (it was said as "interrupted: reconnecting…" every 5 minutes).
    source.addEventListener("end", function () { source.close(); if (!stopped) { connect(); } });
    source.addEventListener("error", function () {
      // Reconnect ourselves, with backoff and a bound, rather than the browser's endless retry.
      source.close();
      streamOpen = false;
      attempts += 1;
      if (attempts > MAX_ATTEMPTS) { stop("off"); return; }
      setStatus("retry");
      var delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() / 2);
      setTimeout(function () {
        if (stopped) { return; }
        // A node that answers 401 forgot this login (it restarted, or 12 hours passed): reconnecting
        // cannot help, and "reconnecting…" for minutes hid that alerts no longer came.
        loggedOut().then(function (out) { if (out) { stop("login"); } else { refresh(); connect(); } });
      }, delay);
    });
  }
  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
})();
