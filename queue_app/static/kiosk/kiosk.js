/* The entrance kiosk: body -> service -> priority, transactions, for whom, civil ID -> ticket (15 s) -> start.
   A family visit: "add another service" keeps the choice in a basket and starts again at the bodies; the
   ticket is then one number for all of them (POST .../tickets with `legs`).
   Talks only to the REST API with the kiosk's device token; idle for 20 s returns to the start.
   Check-in of remote tickets and booked visits: a keyboard-wedge QR scanner (kiosk/scanner.js tells a
   scan from typing) or the keypad of the check-in screen. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const S = config.strings;
  const auth = { Authorization: "Bearer " + config.token };
  const $ = (id) => document.getElementById(id);
  const state = { services: [], body: null, service: null, priority: "none", transactions: 1, relation: null, civil: "", legs: [] };
  const REFRESH_IDLE_MS = 20000;
  let idleTimer = null;
  let lastTouch = Date.now();
  let ticketTimer = null;
  let checkInTimer = null;

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));  // as TabourLive.format
  }

  function show(step) {
    document.querySelectorAll(".step").forEach((s) => { s.hidden = s.dataset.step !== step; });
    document.body.dataset.step = step;
    $("basket").hidden = !state.legs.length || !["body", "service", "details"].includes(step);
    document.querySelector(".kiosk-main").scrollTop = 0;
  }

  function backToStart() {
    // A fresh start in the kiosk's first language, with fresh open/closed states.
    if (config.lang !== new URL(config.start, location.href).searchParams.get("lang")) {
      location.href = config.start;
      return;
    }
    clearTimeout(ticketTimer);
    clearTimeout(checkInTimer);
    state.body = state.service = null;
    state.legs = [];
    renderBasket();
    resetDetails();
    loadServices();
    show("body");
  }

  function touched() {
    lastTouch = Date.now();
    clearTimeout(idleTimer);
    const step = document.body.dataset.step;
    if (step === "ticket" || step === "checkin-result") return; // these have their own timers
    const atStart = document.body.dataset.step === "body" && config.lang === new URL(config.start, location.href).searchParams.get("lang");
    if (!atStart) idleTimer = setTimeout(backToStart, config.idleSeconds * 1000);
  }

  // A whole-hall reason (a holiday, a closure, between shifts) is said once, above the tiles.
  const HALL_REASONS = ["holiday", "closure", "outside_shift", "last_ticket_passed"];

  function openingText(opensAt) {
    if (!opensAt) return "";
    const when = new Intl.DateTimeFormat(config.lang + "-u-nu-latn", {
      weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: config.timezone,
    }).format(new Date(opensAt));
    return fmt(S.opens_at, { when: when });
  }

  function closedText(service) {
    const name = service.closed_names ? service.closed_names[config.lang] : "";
    const reason = fmt(S["closed_" + service.closed_reason] || S.closed_other, { name: name });
    const opens = openingText(service.opens_at);
    return opens ? reason + " · " + opens : reason;
  }

  function tile(title, detail, onTap, disabled) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile";
    button.disabled = !!disabled;
    const strong = document.createElement("span");
    strong.textContent = title;
    button.appendChild(strong);
    if (detail) {
      const small = document.createElement("small");
      small.textContent = detail;
      button.appendChild(small);
    }
    button.addEventListener("click", onTap);
    return button;
  }

  async function loadServices() {
    try {
      const response = await fetch(config.api + "/services?lang=" + config.lang, { headers: auth, cache: "no-store" });
      if (!response.ok) throw new Error(response.status);
      state.services = await response.json();
      renderBodies();
    } catch (error) {
      $("bodies").textContent = S.network;
    }
  }

  function renderBodies() {
    const bodies = [];
    state.services.forEach((s) => {
      if (!bodies.some((b) => b.code === s.body)) bodies.push({ code: s.body, names: s.body_names });
    });
    const grid = $("bodies");
    grid.replaceChildren();
    const first = state.services[0];
    const hallClosed = first && !first.open && HALL_REASONS.includes(first.closed_reason) ? first : null;
    $("hall-closed").textContent = hallClosed ? closedText(hallClosed) : "";
    $("hall-closed").hidden = !hallClosed;
    document.body.dataset.hallClosed = hallClosed ? hallClosed.closed_reason : "";
    bodies.forEach((body) => {
      const services = state.services.filter((s) => s.body === body.code);
      const open = services.some((s) => s.open);
      const detail = open || hallClosed ? "" : closedText(services[0]);
      const button = tile(body.names[config.lang], detail, () => chooseBody(body), !open);
      button.dataset.body = body.code;
      grid.appendChild(button);
    });
  }

  function chooseBody(body) {
    state.body = body;
    const grid = $("services");
    grid.replaceChildren();
    state.services.filter((s) => s.body === body.code).forEach((service) => {
      const detail = service.open ? fmt(S.waiting, { n: service.waiting }) : closedText(service);
      const button = tile(service.names[config.lang], detail, () => chooseService(service), !service.open);
      button.dataset.service = service.code;
      if (!service.open) button.dataset.closedReason = service.closed_reason;
      grid.appendChild(button);
    });
    show("service");
  }

  function chooseService(service) {
    state.service = service;
    $("details-service").textContent = service.names[config.lang];
    $("issue-error").hidden = true;
    show("details");
  }

  function check(selector, attribute, value) {
    document.querySelectorAll(selector).forEach((b) => b.setAttribute("aria-checked", String(b.dataset[attribute] === String(value))));
  }

  function resetDetails() {
    state.priority = "none";
    state.civil = "";
    check("[data-priority]", "priority", "none");
    resetLeg();
    renderCivil();
  }

  function resetLeg() {
    state.transactions = 1;
    state.relation = null;
    check("[data-transactions]", "transactions", 1);
    check("[data-for]", "for", "");
  }

  // -- a family visit: the services chosen so far ----------------------------------------------

  function currentLeg() {
    const leg = { service: state.service.code, transactions: state.transactions };
    if (state.relation) leg.for = state.relation;
    return leg;
  }

  function sameLeg(a, b) { return a.service === b.service && (a.for || null) === (b.for || null); }

  function addService() {
    const leg = currentLeg();
    const same = state.legs.find((other) => sameLeg(other, leg));
    if (same) same.transactions = leg.transactions; else state.legs.push(leg);
    resetLeg();
    renderBasket();
    show("body");
  }

  function serviceName(code) {
    const service = state.services.find((s) => s.code === code);
    return service ? service.names[config.lang] : code;
  }

  function renderBasket() {
    const list = $("basket-legs");
    list.replaceChildren(...state.legs.map((leg, index) => {
      const li = document.createElement("li");
      li.dataset.service = leg.service;
      const text = document.createElement("span");
      text.textContent = serviceName(leg.service) + " × " + leg.transactions + (leg.for ? " · " + config.relations[leg.for] : "");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = S.remove;
      remove.addEventListener("click", () => { state.legs.splice(index, 1); renderBasket(); show(document.body.dataset.step); });
      li.append(text, remove);
      return li;
    }));
    $("basket-title").textContent = fmt(S.basket, { n: state.legs.length });
    // one service left in the basket (another was removed): its ticket is an ordinary one
    $("issue-all").textContent = state.legs.length > 1 ? fmt(S.issue_all, { n: state.legs.length }) : $("issue").textContent;
    // a visit holds at most maxLegs services: the one being chosen now is the last one
    $("add-service").hidden = state.legs.length + 1 >= config.maxLegs;
  }

  function renderCivil() {
    $("civil-id").textContent = state.civil;
    $("issue").disabled = state.civil.length !== 0 && state.civil.length !== 12;
  }

  function issue() {
    const legs = state.legs.filter((leg) => !sameLeg(leg, currentLeg())).concat([currentLeg()]);
    return send(legs, $("issue"), $("issue-error"));
  }

  async function send(legs, button, errorBox) {
    button.disabled = true;
    errorBox.hidden = true;
    const body = { priority: state.priority, lang: config.lang };
    if (legs.length > 1) body.legs = legs;
    else Object.assign(body, { service: legs[0].service, transactions: legs[0].transactions });
    if (state.civil) body.civil_id = state.civil;
    try {
      const response = await fetch(config.api + "/tickets?lang=" + config.lang, {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json", "Accept-Language": config.lang }, auth),
        body: JSON.stringify(body),
      });
      const data = await response.json();
      if (!response.ok) {
        errorBox.textContent = (data.error && data.error.message) || S.error;
        errorBox.hidden = false;
        return;
      }
      showTicket(data);
    } catch (error) {
      errorBox.textContent = S.network;
      errorBox.hidden = false;
    } finally {
      button.disabled = false;
      renderCivil();
    }
  }

  function setPrintStatus(kind, text) {
    const el = $("print-status");
    el.dataset.state = kind;
    el.textContent = text;
    if (kind === "failed") {
      // the QR on the screen is the visitor's ticket now: it stays until they tap Done (or walk away)
      clearTimeout(ticketTimer);
      ticketTimer = setTimeout(leaveTicket, config.printFailedSeconds * 1000);
    }
  }

  /* The visitor leaves the ticket screen. A ticket that has not come out by then must not come out
     later for the next visitor to find: its print job is given up (staff can reprint it). */
  function leaveTicket() {
    const job = document.body.dataset.printJob;
    if (job && $("print-status").dataset.state !== "printed") {
      fetch(config.printJobs + job + "/cancel", { method: "POST", headers: auth }).catch(() => {});
    }
    delete document.body.dataset.printJob;
    backToStart();
  }

  async function watchPrint(job) {
    const deadline = Date.now() + config.printWaitSeconds * 1000;
    while (document.body.dataset.step === "ticket") {
      try {
        const response = await fetch(config.printJobs + job, { headers: auth, cache: "no-store" });
        if (response.ok) {
          const status = await response.json();
          if (status.status === "printed") return setPrintStatus("printed", S.printed);
          if (status.problem) return setPrintStatus("failed", S.print_failed);
        }
      } catch (error) { /* keep polling until the deadline */ }
      if (Date.now() > deadline) return setPrintStatus("failed", S.print_failed);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  function showTicket(ticket) {
    $("ticket-note").hidden = !ticket.appointment;
    $("ticket-note").textContent = ticket.appointment ? (ticket.late ? S.appointment_late : S.appointment_on_time) : "";
    $("ticket-number").textContent = ticket.number;
    $("ticket-service").textContent = ticket.service_names[config.lang];
    const legs = ticket.legs || [];
    $("ticket-legs").hidden = legs.length < 2;
    $("ticket-legs").replaceChildren(...(legs.length < 2 ? [] : legs.map((leg) => {
      const li = document.createElement("li");
      li.dataset.status = leg.status;
      li.textContent = leg.body_names[config.lang] + " — " + leg.service_names[config.lang] + " × " + leg.transactions;
      return li;
    })));
    state.legs = [];
    $("ticket-ahead").textContent = fmt(S.ahead, { n: ticket.position });
    $("ticket-eta").textContent = ticket.eta_range ? fmt(S.eta, { low: ticket.eta_range[0], high: ticket.eta_range[1] }) : "";
    $("ticket-qr").src = config.qr + encodeURIComponent(ticket.tracking_code) + ".svg";
    document.body.dataset.trackingCode = ticket.tracking_code;
    show("ticket");
    clearTimeout(idleTimer);
    ticketTimer = setTimeout(leaveTicket, config.ticketSeconds * 1000);
    const job = ticket.print && ticket.print.job;
    if (job) {
      document.body.dataset.printJob = job;
      setPrintStatus("printing", S.printing);
      watchPrint(job);
    } else {
      setPrintStatus("none", S.no_printer);
    }
  }

  // -- check-in of remote tickets (scanned QR) ---------------------------------------------------

  // the keyboard-wedge scanner (kiosk/scanner.js) hands over each scanned text
  const checking = { busy: false };

  function trackingCode(text) {
    const value = text.trim();
    const url = value.match(/\/t\/([A-Za-z0-9_-]+)/);
    if (url) return url[1];
    return /^[A-Za-z0-9_-]{8,64}$/.test(value) ? value : null;
  }

  function openCheckIn() {
    clearTimeout(ticketTimer);
    clearTimeout(checkInTimer);
    $("checkin-waiting").textContent = $("checkin-waiting").dataset.idle;
    show("checkin");
    touched();
  }

  // A booked visit: its page's QR (/b/<8 digits>), or the code or civil ID typed on the keypad.
  const booking = { digits: "" };

  function bookingCode(text) {
    const url = text.trim().match(/\/b\/(\d{8})(?:[?#].*)?$/);
    return url ? url[1] : null;
  }

  function renderBooking() {
    $("booking-input").textContent = booking.digits;
    $("booking-check-in").disabled = booking.digits.length !== 8 && booking.digits.length !== 12;
  }

  async function checkInVisit(value) {
    if (checking.busy) return;
    checking.busy = true;
    $("checkin-waiting").textContent = S.checking;
    const body = value.length === 12 ? { civil_id: value } : { code: value };
    try {
      const response = await fetch(config.api + "/appointments/check-in?lang=" + config.lang, {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json", "Accept-Language": config.lang }, auth),
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      booking.digits = "";
      renderBooking();
      if (response.ok) return showTicket(data);
      const error = data.error || {};
      showCheckIn(error.code || "error", null, error.message || S.network);
    } catch (failure) {
      showCheckIn("error", null, S.network);
    } finally {
      checking.busy = false;
    }
  }

  async function checkIn(text) {
    if (checking.busy) return;
    const visit = bookingCode(text);
    if (visit) return checkInVisit(visit);
    const code = trackingCode(text);
    if (!code) return showCheckIn("unknown_ticket", null, S.not_a_ticket);
    checking.busy = true;
    if (document.body.dataset.step === "checkin") $("checkin-waiting").textContent = S.checking;
    try {
      const response = await fetch(config.api + "/tickets/" + encodeURIComponent(code) + "/check-in?lang=" + config.lang, {
        method: "POST",
        headers: Object.assign({ "Accept-Language": config.lang }, auth),
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) return showCheckIn(data.already_checked_in ? "already_checked_in" : "checked_in", data, S.checkin_wait);
      const error = data.error || {};
      if (error.code === "invalid_transition") return showCheckIn("not_waiting", null, S.not_waiting);
      if (error.code === "unknown_ticket" || error.code === "not_found") return showCheckIn("unknown_ticket", null, error.message || S.not_a_ticket);
      if (error.code === "hold_expired" || error.code === "other_centre_ticket") return showCheckIn(error.code, null, error.message);
      showCheckIn("error", null, error.message || S.network);
    } catch (failure) {
      showCheckIn("error", null, S.network);
    } finally {
      checking.busy = false;
    }
  }

  function showCheckIn(result, ticket, message) {
    const ok = result === "checked_in" || result === "already_checked_in";
    $("checkin-result").dataset.result = result;
    document.body.dataset.checkIn = result;
    $("checkin-title").textContent = ok ? S[result] : S.checkin_failed;
    $("checkin-number").textContent = ticket ? ticket.number : "";
    $("checkin-service").textContent = ticket ? ticket.service_names[config.lang] : "";
    $("checkin-ahead").textContent = ticket && ticket.position !== null ? fmt(S.ahead, { n: ticket.position }) : "";
    $("checkin-message").textContent = message + (result === "unknown_ticket" || result === "other_centre_ticket" ? " " + S.take_new : "");
    $("checkin-new").hidden = ok;
    clearTimeout(ticketTimer);
    clearTimeout(idleTimer);
    clearTimeout(checkInTimer);
    show("checkin-result");
    checkInTimer = setTimeout(backToStart, config.checkInSeconds * 1000);
  }

  document.querySelectorAll("[data-code-digit]").forEach((b) => b.addEventListener("click", () => {
    if (booking.digits.length < 12) booking.digits += b.dataset.codeDigit;
    renderBooking();
  }));
  document.querySelectorAll("[data-code-key]").forEach((b) => b.addEventListener("click", () => {
    booking.digits = b.dataset.codeKey === "clear" ? "" : booking.digits.slice(0, -1);
    renderBooking();
  }));
  $("booking-check-in").addEventListener("click", () => checkInVisit(booking.digits));

  window.TabourScanner.listen(() => (document.body.dataset.step === "checkin" ? "checkin" : "start"), checkIn);
  $("checkin-open").addEventListener("click", openCheckIn);
  $("checkin-done").addEventListener("click", backToStart);
  document.querySelectorAll("[data-new-ticket]").forEach((b) => b.addEventListener("click", backToStart));
  $("checkin-waiting").dataset.idle = $("checkin-waiting").textContent;

  document.addEventListener("pointerdown", touched, { passive: true });
  document.querySelectorAll("[data-back]").forEach((b) => b.addEventListener("click", () => show(b.dataset.back)));
  document.querySelectorAll("[data-priority]").forEach((b) => b.addEventListener("click", () => {
    state.priority = b.dataset.priority;
    check("[data-priority]", "priority", state.priority);
  }));
  document.querySelectorAll("[data-for]").forEach((b) => b.addEventListener("click", () => {
    state.relation = state.relation === b.dataset.for ? null : b.dataset.for;  // a second tap clears it
    check("[data-for]", "for", state.relation || "");
  }));
  document.querySelectorAll("[data-transactions]").forEach((b) => b.addEventListener("click", () => {
    state.transactions = Number(b.dataset.transactions);
    check("[data-transactions]", "transactions", state.transactions);
  }));
  document.querySelectorAll("[data-digit]").forEach((b) => b.addEventListener("click", () => {
    if (state.civil.length < 12) state.civil += b.dataset.digit;
    renderCivil();
  }));
  document.querySelector("[data-key=back]").addEventListener("click", () => { state.civil = state.civil.slice(0, -1); renderCivil(); });
  document.querySelector("[data-key=clear]").addEventListener("click", () => { state.civil = ""; renderCivil(); });
  $("issue").addEventListener("click", issue);
  $("add-service").addEventListener("click", addService);
  $("issue-all").addEventListener("click", () => send(state.legs, $("issue-all"), $("basket-error")));
  $("done").addEventListener("click", leaveTicket);
  document.addEventListener("contextmenu", (event) => event.preventDefault());

  resetDetails();
  loadServices();
  show("body");
  touched();
  // While nobody uses it, the first step reads the services again: opening and closing times, and the
  // services an administrator added or changed, show without a reload.
  setInterval(() => {
    if (document.body.dataset.step === "body" && Date.now() - lastTouch > REFRESH_IDLE_MS) loadServices();
  }, REFRESH_IDLE_MS);
})();
