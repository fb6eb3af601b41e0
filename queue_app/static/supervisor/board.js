/* The supervisor's board: draws the hall snapshot, then keeps it current from `/hall` events
   (hall_snapshot, counter_changed, queue_changed, ticket_called). Waits and durations tick locally;
   nothing is polled. Changes are posted with the page's CSRF token. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var t = data.t;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var counters = {};   // code -> counter entry (hall snapshot shape)
  var order = [];      // counter codes in config order
  var services = {};   // code -> {code, names, waiting, longest_wait_minutes, eta_minutes, open, received}
  var skew = 0;        // server clock minus ours, from the snapshot's `at`
  var ACTIVE = ["idle", "calling", "serving"];
  var CONFIRM_MS = 5000;
  var confirming = null;  // {code, until}: "close intake" asks once more before it closes a service

  function name(names) { return (names && (names[t.lang] || names.ar)) || ""; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function minutesSince(iso) {
    if (!iso) return null;
    return Math.max(0, Math.floor((Date.now() + skew - Date.parse(iso)) / 60000));
  }
  function longest(s) {
    if (!s.waiting) return 0;
    return s.longest_wait_minutes + Math.floor((Date.now() - s.received) / 60000);
  }

  // Calls made ahead of the one due, newest first: from the page's data, then `call_out_of_turn` events.
  var outOfTurn = data.out_of_turn || [];
  function renderOutOfTurn() {
    var body = document.querySelector("#out-of-turn tbody");
    body.textContent = "";
    outOfTurn.forEach(function (call) {
      var row = el("tr", { "data-number": call.number });
      var at = new Date(call.at);
      var time = at.toLocaleTimeString(t.lang, { hour: "2-digit", minute: "2-digit" });
      [time, call.number, call.counter, call.clerk || t.none, t.call_reasons[call.reason] || call.reason].forEach(
        function (text) { row.appendChild(el("td", {}, text)); }
      );
      body.appendChild(row);
    });
    document.getElementById("out-of-turn-none").hidden = outOfTurn.length > 0;
  }

  // a supervisor of some bodies (data.scope: their services) sees only the counters serving them
  function inScope(counter) {
    return !data.scope || counter.services.some(function (s) { return data.scope.indexOf(s) >= 0; });
  }
  function applySnapshot(snapshot) {
    skew = Date.parse(snapshot.at) - Date.now();
    var shown = snapshot.counters.filter(inScope);
    order = shown.map(function (c) { return c.code; });
    shown.forEach(function (c) { counters[c.code] = c; });
    applyServices(snapshot.services);
  }
  function applyServices(list) {
    var now = Date.now();
    list.forEach(function (s) {
      var known = services[s.code] || {};
      Object.keys(s).forEach(function (k) { known[k] = s[k]; });
      known.received = now;
      services[s.code] = known;
    });
  }

  function post(url, form) {
    form.append("csrf_token", csrf);
    return fetch(url, { method: "POST", body: form, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (a) { flash(a.ok ? a.body.notice : a.body.error.message, a.ok ? "info" : "error"); return a.ok; })
      .catch(function () { flash(t.failed, "error"); return false; });
  }

  function flash(message, kind) {
    var box = document.getElementById("flash");
    box.textContent = "";
    if (message) box.appendChild(el("p", { class: "flash flash-" + kind, role: kind === "error" ? "alert" : "status" }, message));
  }

  function serving(code) {
    return order.filter(function (c) {
      var counter = counters[c];
      return ACTIVE.indexOf(counter.state) >= 0 && counter.services.indexOf(code) >= 0;
    });
  }

  function renderServices() {
    var body = document.querySelector("#services tbody");
    body.textContent = "";
    var alerts = [];
    var lastBody = null;
    data.services.forEach(function (config) {
      if (config.body !== lastBody) {  // grouped by government body, as the kiosk shows them
        lastBody = config.body;
        var head = el("tr", { class: "body-row", "data-body": config.body });
        head.appendChild(el("th", { colspan: "8", scope: "colgroup" }, name(config.body_names)));
        body.appendChild(head);
      }
      var s = services[config.code] || { waiting: 0, longest_wait_minutes: 0, open: true, received: Date.now() };
      var wait = longest(s);
      var level = wait >= config.target_wait ? "over" : wait >= config.target_wait * 0.75 ? "near" : "ok";
      var unserved = s.waiting > 0 && serving(config.code).length === 0;
      if (unserved) {  // people wait and no open counter serves them: their wait only grows
        alerts.push(window.TabourLive.format(t.unserved, { service: name(config.names), waiting: s.waiting }));
        level = "over";
      } else if (wait > config.target_wait) {
        alerts.push(window.TabourLive.format(t.alert, { service: name(config.names), minutes: wait, target: config.target_wait }));
      }
      var row = el("tr", { "data-service": config.code, "data-level": level, "data-open": String(!!s.open) });
      row.appendChild(el("td", {}, name(config.names)));
      row.appendChild(el("td", { class: "intake" }, s.open ? t.open : t.closed));
      row.appendChild(el("td", { class: "waiting" }, s.waiting));
      row.appendChild(el("td", { class: "longest" }, wait + " " + t.min));
      row.appendChild(el("td", {}, config.target_wait + " " + t.min));
      // no counter serves it: an expected wait would be a guess, say so instead
      row.appendChild(el("td", { class: "eta" }, unserved ? t.no_counter : s.eta_minutes === undefined ? t.none : s.eta_minutes + " " + t.min));
      row.appendChild(el("td", { class: "serving" }, serving(config.code).join(", ") || t.none));
      var cell = el("td");
      var asking = s.open && confirming && confirming.code === config.code && Date.now() < confirming.until;
      var button = el(
        "button",
        { class: "btn " + (asking ? "btn-danger" : s.open ? "btn-warn" : "btn-primary"), type: "button", "data-intake": config.code, "data-confirm": String(!!asking) },
        asking ? t.confirm_close : s.open ? t.close : t.reopen
      );
      button.addEventListener("click", function () {
        if (s.open && !asking) {  // closing turns visitors away at once: a second press confirms it
          confirming = { code: config.code, until: Date.now() + CONFIRM_MS };
          renderServices();
          setTimeout(renderServices, CONFIRM_MS + 50);
          return;
        }
        confirming = null;
        var form = new FormData();
        form.append("open", s.open ? "0" : "1");
        button.disabled = true;
        post(data.urls.intake.replace("__S__", encodeURIComponent(config.code)), form).then(function () { button.disabled = false; });
      });
      cell.appendChild(button);
      row.appendChild(cell);
      body.appendChild(row);
    });
    var box = document.getElementById("alerts");
    box.textContent = "";
    box.hidden = alerts.length === 0;
    alerts.forEach(function (text) { box.appendChild(el("p", { class: "alert", role: "alert" }, text)); });
  }

  function servicesForm(code, c) {
    // the counter's services first, in the order it serves them (the order call-next follows), then
    // the others; the arrows move one up or down and the form posts them in this order
    var form = el("form", { class: "services-form" });
    var ordered = c.services.concat(data.services.map(function (s) { return s.code; }).filter(function (s) {
      return c.services.indexOf(s) < 0;
    }));
    ordered.forEach(function (serviceCode) {
      var config = data.services.filter(function (x) { return x.code === serviceCode; })[0];
      if (!config) return;
      var line = el("div", { class: "service-line", "data-service": serviceCode });
      var label = el("label");
      var box = el("input", { type: "checkbox", name: "services", value: serviceCode });
      box.checked = c.services.indexOf(serviceCode) >= 0;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + name(config.names)));
      line.appendChild(label);
      [["earlier", "▲", -1], ["later", "▼", 1]].forEach(function (move) {
        var button = el("button", { type: "button", class: "move " + move[0], "aria-label": t[move[0]] + ": " + name(config.names), title: t[move[0]] }, move[1]);
        button.addEventListener("click", function () {
          var sibling = move[2] < 0 ? line.previousElementSibling : line.nextElementSibling;
          if (!sibling || !sibling.classList.contains("service-line")) return;
          form.insertBefore(move[2] < 0 ? line : sibling, move[2] < 0 ? sibling : line);
          button.focus();
        });
        line.appendChild(button);
      });
      form.appendChild(line);
    });
    var apply = el("button", { type: "submit", class: "btn" }, t.apply);
    form.appendChild(apply);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      apply.disabled = true;
      post(data.urls.counter.replace("__C__", encodeURIComponent(code)), new FormData(form)).then(function () { apply.disabled = false; });
    });
    return form;
  }

  function renderCounters() {
    var body = document.querySelector("#counters tbody");
    var open = {};
    var drafts = {};
    body.querySelectorAll("details[open]").forEach(function (d) {
      open[d.dataset.counter] = true;
      drafts[d.dataset.counter] = d.querySelector("form");
    });
    body.textContent = "";
    order.forEach(function (code) {
      var c = counters[code];
      var row = el("tr", { "data-counter": code, "data-state": c.state });
      row.appendChild(el("td", {}, name(c.names)));
      var state = t.states[c.state] || c.state;
      if (c.state === "paused" && c.pause_reason) state += " (" + (t.reasons[c.pause_reason] || c.pause_reason) + ")";
      row.appendChild(el("td", { class: "state" }, state));
      row.appendChild(el("td", { class: "clerk" }, c.clerk || t.none));
      row.appendChild(el("td", { class: "current" }, c.current ? c.current.number : t.none));
      var since = minutesSince(c.current ? c.current.since : c.since);
      row.appendChild(el("td", { class: "since" }, since === null ? t.none : since + " " + t.min));
      var cell = el("td");
      var details = el("details", { "data-counter": code });
      if (open[code]) details.open = true;
      details.appendChild(el("summary", {}, c.services.map(function (s) {
        var config = data.services.filter(function (x) { return x.code === s; })[0];
        return config ? name(config.names) : s;
      }).join(" · ") || t.none));
      // an open form is a supervisor's draft: kept as it is while the board redraws around it
      details.appendChild(drafts[code] || servicesForm(code, c));
      cell.appendChild(details);
      row.appendChild(cell);
      body.appendChild(row);
    });
  }

  function render() { renderServices(); renderCounters(); }

  document.getElementById("form-move").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var body = new FormData(form);
    body.delete("csrf_token");
    post(form.action, body).then(function (ok) { if (ok) form.reset(); });
  });

  // Staffing advice: simulated from the live queues and the centre's history by the server, once a minute
  function loadAdvice() {
    fetch(data.urls.advice, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        var list = document.getElementById("advice");
        list.textContent = "";
        answer.advice.forEach(function (item) {
          list.appendChild(el("li", { "data-service": item.service, "data-counter": item.counter || "" }, item.text));
        });
        document.getElementById("advice-none").hidden = answer.advice.length > 0;
      })
      .catch(function () { /* the next minute tries again */ });
  }

  applySnapshot(data.snapshot);
  render();
  renderOutOfTurn();
  loadAdvice();
  setInterval(render, 20000);  // the clock moves waits and durations on; no request is made
  setInterval(loadAdvice, 60000);

  window.TabourLive.connect("/hall", {
    socket: { auth: { centre: root.dataset.centre } },
    onLive: function (up) {
      document.getElementById("live").dataset.connected = String(up);
      if (!up) flash(t.offline, "error");
    },
    on: {
      hall_snapshot: function (snapshot) { applySnapshot(snapshot); render(); },
      counter_changed: function (message) {
        if (!inScope(message.counter)) return;
        if (order.indexOf(message.counter.code) < 0) order.push(message.counter.code);
        counters[message.counter.code] = message.counter;
        render();
      },
      queue_changed: function (message) { applyServices(message.services); renderServices(); },
      call_out_of_turn: function (call) { outOfTurn.unshift(call); renderOutOfTurn(); },
    },
  });
})();
