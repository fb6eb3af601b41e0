// The visitor's tracking page: live over Socket.IO (/track, room of this ticket), polling when the
// socket cannot connect (websockets blocked). `ticket_changed` says "your ticket changed": the page
// re-reads GET /api/v1/tickets/<code> and redraws. `place_changed` carries the new place and wait
// themselves (people ahead moved): the page redraws the ticket it last read with them, no re-read (a
// queue's phones all re-reading after every call was the heaviest load of a busy day).
(function () {
  "use strict";
  const root = document.getElementById("ticket");
  const words = JSON.parse(document.getElementById("words").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const code = root.dataset.code;
  const lang = root.dataset.lang;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 3000; // without a socket
  const SAFETY_MS = 30000; // with a socket: a slow re-read in case an event was lost
  let live = false;
  let lastStatus = root.dataset.status;
  let lastRecalls = Number(root.dataset.recalls || 0);
  let pollTimer = null;
  let refreshing = null;
  let current = null; // the ticket as last read

  const fill = (template, values) => window.TabourLive.format(template, values);

  function show(id, visible) { $(id).hidden = !visible; }

  function draw(t) {
    root.dataset.status = t.status;
    $("status").textContent = words[t.status] || t.status;
    $("service").textContent = t.service_names[lang] || "";
    drawLegs(t.legs || []);
    const whole = t.visit_minutes !== undefined && t.visit_minutes !== null;
    show("visit-minutes", whole);
    if (whole) $("visit-minutes").textContent = fill(words.visit_minutes, { n: t.visit_minutes });
    const waiting = t.status === "waiting" && t.position !== null;
    show("ahead", waiting);
    if (waiting) $("ahead").textContent = t.position === 0 ? words.ahead_0 : fill(words.ahead_n, { n: t.position });
    show("eta", waiting && !!t.eta_range);
    if (waiting && t.eta_range) {
      $("eta").textContent = t.eta_range[0] === 0
        ? fill(words.eta_short, { high: t.eta_range[1] })
        : fill(words.eta, { low: t.eta_range[0], high: t.eta_range[1] });
    }
    show("almost", waiting && t.position <= 3);
    const counterName = t.counter ? (t.counter.names[lang] || t.counter.code) : null;
    show("counter", !!counterName);
    if (counterName) {
      const line = t.status === "parked" ? words.come_back : words.go_to;
      $("counter").textContent = fill(line, { counter: counterName });
    }
    show("check-in", !!t.needs_check_in && t.status === "waiting");
    show("hold", !!t.hold_until);
    show("not-due", !t.hold_until);
    if (t.hold_until) $("hold").textContent = fill(words.hold, { time: t.hold_until.slice(11, 16) });
    show("leave", t.status === "waiting" || t.status === "called");
    const rated = root.dataset.rated === "true";
    show("rating", t.status === "done" && !rated);
    show("thanks", rated);
    const recalled = t.status === "called" && (t.recalls || 0) > lastRecalls;
    if (t.status === "called" && (lastStatus !== "called" || t.called_at !== root.dataset.calledAt || recalled)) {
      yourTurn(counterName);
    }
    lastRecalls = t.recalls || 0;
    if (t.status !== "called") show("turn", false);
    root.dataset.calledAt = t.called_at || "";
    lastStatus = t.status;
  }

  // A family visit: every service of it, in the visitor's order, with the one being done now.
  function drawLegs(legs) {
    show("visit", legs.length > 1);
    if (legs.length < 2) return;
    $("visit-title").textContent = fill(words.visit, { n: legs.length });
    const list = $("legs");
    list.replaceChildren(...legs.map((leg) => {
      const li = document.createElement("li");
      li.dataset.status = leg.status;
      li.dataset.service = leg.service;
      const where = document.createElement("span");
      where.className = "leg-where";
      where.textContent = (leg.body_names[lang] || "") + " — " + (leg.service_names[lang] || leg.service);
      const facts = document.createElement("span");
      facts.className = "leg-facts";
      facts.textContent = "×" + leg.transactions + (leg.for ? " · " + (words.relations[leg.for] || leg.for) : "") + " · ";
      const state = document.createElement("b");
      state.textContent = words["leg_" + leg.status] || leg.status;
      facts.appendChild(state);
      li.append(where, facts);
      return li;
    }));
  }

  function yourTurn(counterName) {
    $("turn-counter").textContent = counterName ? fill(words.go_to, { counter: counterName }) : "";
    show("turn", true);
    try { if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]); } catch (e) { /* not a phone */ }
    beep();
  }

  function beep() {
    // a short generated two-tone chime: no audio file to fetch
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      const ctx = new Ctx();
      [[880, 0], [660, 0.25], [880, 0.5]].forEach(([freq, at]) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.4, ctx.currentTime + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.22);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + at);
        osc.stop(ctx.currentTime + at + 0.25);
      });
    } catch (e) { /* sound is a bonus */ }
  }

  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = fetch(root.dataset.api, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((t) => { if (t) { current = t; draw(t); } })
      .catch(() => {})
      .finally(() => { refreshing = null; });
    return refreshing;
  }

  function schedule() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => { await refresh(); schedule(); }, live ? SAFETY_MS : POLL_MS);
  }

  function setLive(value) {
    live = value;
    show("live", !value);
    root.dataset.live = value ? "socket" : "polling";
    schedule();
  }

  let soonTimer = null;
  function refreshSoon() {
    // every phone of the hall may be told at once: spread their re-reads over a second
    if (soonTimer) return;
    soonTimer = setTimeout(() => { soonTimer = null; refresh(); }, 200 + Math.random() * 800);
  }

  function placeChanged(place) {
    if (!current || current.status !== "waiting") { refreshSoon(); return; }
    current = Object.assign({}, current, place);
    draw(current);
  }

  function connect() {
    window.TabourLive.connect("/track", {
      socket: { auth: { tracking_code: code }, reconnectionDelayMax: 10000, timeout: 4000 },
      onLive: (up) => { setLive(up); if (up) refresh(); },
      onResync: refreshSoon, // events may have been lost: read the ticket again
      on: { ticket_changed: () => refresh(), place_changed: placeChanged },
    });
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  $("leave").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm(words.confirm_leave)) return;
    try { await post(root.dataset.cancel); await refresh(); } catch (e) { window.alert(words.error); }
  });

  $("rating").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await post(root.dataset.rate, { score: Number(form.get("score")), comment: form.get("comment") || "" });
      root.dataset.rated = "true";
      await refresh();
    } catch (e) { window.alert(words.error); }
  });

  $("turn-ok").addEventListener("click", () => show("turn", false));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });

  setLive(false);
  if (document.readyState === "complete") connect(); else window.addEventListener("load", connect);
})();
