/* Tabour hall screen: live state over Socket.IO (/hall), spoken calls queued one after another.
 * Wire protocol: docs/realtime.md. Configuration comes from the page (#display-config). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("display-config").textContent);
  var display = config.display;
  var languages = display.languages;
  var primary = languages[0];
  var HIGHLIGHT_MS = 10000;       // the newest call stays highlighted this long
  var RECENT = 8;                 // calls listed
  var REANNOUNCE_LIMIT_MS = 30000; // calls older than this are never announced (e.g. after a reconnect)
  var RECONNECTING_AFTER_MS = 3000;
  var ALTERNATE_MS = 8000;        // a third language alternates with the second

  var state = {
    calls: [],          // newest first: {number, counter: {code, names}, service, zone, recall, called_at}
    services: {},       // code -> {waiting, body, ...}
    counters: {},       // code -> counter entry of the hall snapshot
    clockOffset: 0,     // server time - local time (ms), from the snapshot
    announced: {},      // key -> true
    secondIndex: 1,
  };
  var debug = (window.tabourDisplay = { state: state, announced: [], events: [], connected: false });

  // ---------------------------------------------------------------- helpers
  function el(id) { return document.getElementById(id); }
  function isRtl(lang) { return config.rtl.indexOf(lang) >= 0; }
  function name(names, lang) { return (names && (names[lang] || names.en || names.ar)) || ""; }
  function secondLang() { return languages.length > 1 ? languages[state.secondIndex] : null; }
  function label(key, lang) { return (config.labels[lang] || config.labels[primary])[key] || ""; }
  function span(text, lang, cls) {
    var s = document.createElement("span");
    s.textContent = text;
    s.lang = lang;
    s.dir = isRtl(lang) ? "rtl" : "ltr";
    if (cls) s.className = cls;
    return s;
  }
  function bilingual(node, textFor) {
    node.textContent = "";
    node.appendChild(span(textFor(primary), primary, "lang-first"));
    var second = secondLang();
    if (!second) return;
    node.appendChild(document.createTextNode(" ")); // two words to a screen reader, not "في الانتظارWaiting"
    node.appendChild(span(textFor(second), second, "lang-second"));
  }
  function callKey(call) { return call.number + "|" + call.counter.code + "|" + call.called_at + "|" + (call.recall ? 1 : 0); }
  function calledAtMs(call) { return Date.parse(call.called_at); }
  function serverNow() { return Date.now() + state.clockOffset; }
  function inMyZones(call) { return !call.zone || display.zones.indexOf(call.zone) >= 0; }

  // ---------------------------------------------------------------- rendering
  function renderLabels() {
    document.querySelectorAll("[data-label]").forEach(function (node) {
      var key = node.getAttribute("data-label");
      bilingual(node, function (lang) { return label(key, lang); });
    });
  }

  function renderNow() {
    if (display.layout === "counter") return renderCounterScreen();
    var call = state.calls[0];
    var now = el("now");
    if (!call) {
      el("now-number").textContent = "—";
      bilingual(el("now-counter"), function (lang) { return label("no_calls", lang); });
      now.classList.remove("highlight");
      return;
    }
    el("now-number").textContent = call.number;
    bilingual(el("now-counter"), function (lang) {
      return window.TabourLive.format(label("please_go", lang), { counter: name(call.counter.names, lang) || call.counter.code });
    });
    var age = serverNow() - calledAtMs(call);
    now.classList.toggle("highlight", age < HIGHLIGHT_MS);
    clearTimeout(renderNow.timer);
    if (age < HIGHLIGHT_MS) renderNow.timer = setTimeout(renderNow, HIGHLIGHT_MS - age + 50);
  }

  function renderRecent() {
    var body = document.querySelector("#recent tbody");
    if (!body) return;
    body.textContent = "";
    state.calls.slice(0, RECENT).forEach(function (call, index) {
      var row = document.createElement("tr");
      if (index === 0) row.className = "newest";
      var number = document.createElement("td");
      number.className = "number";
      number.textContent = call.number;
      var counter = document.createElement("td");
      counter.className = "counter";
      counter.appendChild(span(call.counter.code, "en", "counter-code"));
      row.appendChild(number);
      row.appendChild(counter);
      body.appendChild(row);
    });
  }

  function renderBodies() {
    var list = el("bodies");
    if (!list) return;
    list.textContent = "";
    config.bodies.forEach(function (body) {
      var waiting = 0;
      var known = false;
      body.services.forEach(function (code) {
        if (state.services[code]) { waiting += state.services[code].waiting || 0; known = true; }
      });
      var item = document.createElement("li");
      var title = document.createElement("div");
      title.className = "body-name";
      bilingual(title, function (lang) { return name(body.names, lang); });
      var count = document.createElement("div");
      count.className = "body-waiting";
      count.textContent = known ? String(waiting) : "–";
      item.appendChild(title);
      item.appendChild(count);
      if (body.kept !== null && body.kept !== undefined) {  // the estimates kept last week, in public
        var kept = document.createElement("div");
        kept.className = "body-kept";
        bilingual(kept, function (lang) { return label("kept", lang).replace("{share}", Math.round(100 * body.kept)); });
        item.appendChild(kept);
      }
      list.appendChild(item);
    });
  }

  function renderCounterScreen() {
    var code = display.counter;
    var entry = state.counters[code];
    var counterConfig = config.counters.filter(function (c) { return c.code === code; })[0];
    bilingual(el("counter-label"), function (lang) {
      return counterConfig ? name(counterConfig.names, lang) : label("counter", lang) + " " + code;
    });
    var current = entry && entry.current;
    el("counter-number").textContent = current ? current.number : "—";
    var screen = el("counter-screen");
    var latest = state.calls.filter(function (c) { return c.counter.code === code; })[0];
    var fresh = latest && current && latest.number === current.number && serverNow() - calledAtMs(latest) < HIGHLIGHT_MS;
    screen.classList.toggle("highlight", !!fresh);
    var status = entry ? entry.state : "";
    var key = status === "paused" ? "paused" : status === "closed" ? "closed" : "";
    bilingual(el("counter-status"), function (lang) { return key ? label(key, lang) : ""; });
    clearTimeout(renderCounterScreen.timer);
    if (fresh) renderCounterScreen.timer = setTimeout(renderCounterScreen, HIGHLIGHT_MS);
  }

  function renderTicker() {
    var node = el("ticker");
    if (!node || !display.ticker) return;
    bilingual(node, function (lang) { return name(display.ticker, lang); });
  }

  function renderAll() {
    renderLabels();
    renderNow();
    renderRecent();
    renderBodies();
    renderTicker();
  }

  // ---------------------------------------------------------------- clock (Gregorian + Hijri, Intl)
  function renderClock() {
    var now = new Date(serverNow());
    var tz = config.timezone;
    var locale = primary === "en" ? "en-GB" : primary + "-u-nu-arab";
    try {
      el("clock-time").textContent = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: tz, hour12: false }).format(now);
      el("date-gregorian").textContent = new Intl.DateTimeFormat(locale + (primary === "en" ? "" : "-ca-gregory"), { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: tz }).format(now);
      var hijriLocale = (primary === "en" ? "en" : primary) + "-u-ca-islamic-umalqura" + (primary === "en" ? "" : "-nu-arab");
      el("date-hijri").textContent = new Intl.DateTimeFormat(hijriLocale, { day: "numeric", month: "long", year: "numeric", timeZone: tz }).format(now);
    } catch (e) {
      el("clock-time").textContent = now.toTimeString().slice(0, 5);
    }
  }

  // ---------------------------------------------------------------- announcements (one at a time)
  /* The voice keeps up with the screen (docs/displays.md, "The voice in a busy hall"):
     1. a newer call at the same counter replaces its call still waiting to be spoken (the counter has
        moved on; the screen shows both);
     2. while more calls wait, each is spoken in its short form ("B12, counter 3") in the first voice
        language only, without the chime (one chime opens a burst): about 3 s a call instead of 6 s a
        language; an announcement alone gets the full sentence in every language;
     3. a call older than BACKLOG_LIMIT_MS when its turn comes is not spoken (it is on the screen), nor
        one older than REANNOUNCE_LIMIT_MS that arrives late (a snapshot after a reconnect);
     4. a call already spoken is never spoken again, also after a reload (the keys live in sessionStorage). */
  var queue = [];
  var speaking = false;
  var blocked = false;
  var lastSpokeAt = 0;
  var BURST_GAP_MS = 3000;        // a chime opens an announcement unless another ended this recently
  var BACKLOG_LIMIT_MS = 60000;   // a waiting call this old is no longer spoken
  var SPOKEN_KEY = "tabour-spoken";
  debug.spoken = [];              // {number, counter, languages, delay_ms}: what was said, and how late

  (function restoreSpoken() {
    try {
      JSON.parse(sessionStorage.getItem(SPOKEN_KEY) || "[]").forEach(function (key) { state.announced[key] = true; });
    } catch (e) { /* no storage: a reload may repeat a call, nothing worse */ }
  })();

  function remember(key) {
    state.announced[key] = true;
    try {
      var keys = JSON.parse(sessionStorage.getItem(SPOKEN_KEY) || "[]");
      keys.push(key);
      sessionStorage.setItem(SPOKEN_KEY, JSON.stringify(keys.slice(-50)));
    } catch (e) { /* no storage */ }
  }

  function audioUrl(lang, call, short) {
    return config.urls.audio.replace("LANG", lang).replace("NUM", encodeURIComponent(call.number)).replace("CTR", encodeURIComponent(call.counter.code)) + (short ? "?short=1" : "");
  }

  function announce(call) {
    var key = callKey(call);
    if (state.announced[key]) return;
    remember(key);
    if (!display.voice.languages.length) return;
    if (serverNow() - calledAtMs(call) > REANNOUNCE_LIMIT_MS) return;
    queue = queue.filter(function (item, index) {
      return (speaking && index === 0) || item.call.counter.code !== call.counter.code;
    });
    queue.push({ call: call });
    debug.announced.push(call.number + (call.recall ? " (recall)" : ""));
    pump();
  }

  function play(url) {
    return new Promise(function (resolve, reject) {
      var audio = new Audio(url);
      audio.onended = function () { resolve(); };
      audio.onerror = function () { resolve(); }; // a missing clip must not stall the queue
      var started = audio.play();
      if (started && started.catch) started.catch(reject);
    });
  }

  function partsOf(call, busy) {
    var parts = [];
    var langs = busy ? display.voice.languages.slice(0, 1) : display.voice.languages;
    if (display.voice.chime && Date.now() - lastSpokeAt > BURST_GAP_MS) parts.push(config.urls.chime);
    langs.forEach(function (lang) { parts.push(audioUrl(lang, call, busy)); });
    return { parts: parts, languages: langs, short: busy };
  }

  function pump() {
    if (speaking || blocked) return;
    while (queue.length && serverNow() - calledAtMs(queue[0].call) > BACKLOG_LIMIT_MS) queue.shift();
    if (!queue.length) return;
    speaking = true;
    var item = queue[0];
    var said = partsOf(item.call, queue.length > 1);
    debug.spoken.push({
      number: item.call.number, counter: item.call.counter.code, languages: said.languages, short: said.short,
      delay_ms: serverNow() - calledAtMs(item.call),
    });
    var chain = Promise.resolve();
    said.parts.forEach(function (url) { chain = chain.then(function () { return play(url); }); });
    chain.then(function () {
      queue.shift();
      speaking = false;
      lastSpokeAt = Date.now();
      setTimeout(pump, 250);
    }, function (error) {
      speaking = false;
      if (error && error.name === "NotAllowedError") {
        debug.spoken.pop();  // not said: it is said when sound is allowed
        blocked = true;
        el("sound-blocked").hidden = false;
        document.body.dataset.sound = "blocked";
      } else {
        queue.shift();
        setTimeout(pump, 250);
      }
    });
  }

  function unblock() {
    if (!blocked) return;
    blocked = false;
    el("sound-blocked").hidden = true;
    document.body.dataset.sound = "on";
    pump();
  }
  document.addEventListener("click", unblock);
  document.addEventListener("keydown", unblock);
  document.addEventListener("touchstart", unblock);

  // ---------------------------------------------------------------- state updates
  function addCall(call) {
    state.calls = state.calls.filter(function (c) { return c.number !== call.number; });
    state.calls.unshift(call);
    state.calls = state.calls.slice(0, RECENT);
  }

  function onSnapshot(snapshot) {
    if (snapshot.at) state.clockOffset = Date.parse(snapshot.at) - Date.now();
    var calls = (snapshot.recent_calls || []).filter(inMyZones);
    state.calls = [];
    calls.slice().reverse().forEach(addCall);
    state.services = {};
    (snapshot.services || []).forEach(function (s) { state.services[s.code] = s; });
    state.counters = {};
    (snapshot.counters || []).forEach(function (c) { state.counters[c.code] = c; });
    renderAll();
    // calls made while we were away and not spoken yet: only those younger than 30 s, oldest first
    calls.slice().reverse().forEach(announce);
    debug.events.push("hall_snapshot");
    document.body.dataset.calls = String(state.calls.length);
  }

  function onCalled(call) {
    if (!inMyZones(call)) return;
    addCall(call);
    renderNow();
    renderRecent();
    if (display.layout === "counter" && call.counter.code !== display.counter) return;
    announce(call);
    debug.events.push("ticket_called:" + call.number);
  }

  function onQueue(message) {
    (message.services || []).forEach(function (s) { state.services[s.code] = Object.assign(state.services[s.code] || {}, s); });
    renderBodies();
  }

  function onCounter(message) {
    if (message.counter) state.counters[message.counter.code] = message.counter;
    if (display.layout === "counter") renderCounterScreen();
  }

  // ---------------------------------------------------------------- connection
  var reconnectTimer = null;
  function setConnected(connected) {
    debug.connected = connected;
    document.body.dataset.state = connected ? "live" : "reconnecting";
    if (connected) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      el("reconnecting").hidden = true;
    } else if (reconnectTimer === null) {
      // counted from the first loss: retries (connect_error) must not push the mark further away
      reconnectTimer = setTimeout(function () { el("reconnecting").hidden = false; }, RECONNECTING_AFTER_MS);
    }
  }

  function connect() {
    // live.js: on `resync` (the bus between server processes lost messages) it asks for a snapshot; on
    // `hall_changed` (an administrator changed the hall) it loads the page again
    debug.socket = window.TabourLive.connect("/hall", {
      socket: {
        auth: { token: config.token },
        reconnection: true,
        reconnectionDelay: 500,
        reconnectionDelayMax: 5000,
        randomizationFactor: 0.5,
      },
      onLive: setConnected,
      hallChangedDelay: 3000, // on `hall_changed` the screen loads again within 3 s
      onError: function (error, socket) {
        // a refused token (pairing revoked) does not retry by itself: reload to show the pairing page
        if (error && error.message && error.message.indexOf("token") >= 0) setTimeout(function () { location.reload(); }, 15000);
        else if (!socket.active) setTimeout(function () { socket.connect(); }, 5000);
      },
      on: { hall_snapshot: onSnapshot, ticket_called: onCalled, queue_changed: onQueue, counter_changed: onCounter },
    });
  }

  // ---------------------------------------------------------------- start
  renderAll();
  renderClock();
  setInterval(renderClock, 1000);
  if (languages.length > 2) {
    setInterval(function () {
      state.secondIndex = state.secondIndex + 1 < languages.length ? state.secondIndex + 1 : 1;
      renderAll();
    }, ALTERNATE_MS);
  }
  setConnected(false);
  connect();
})();
