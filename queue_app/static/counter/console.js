/* The clerk's console: posts the page's forms with fetch (CSRF token inside each form), redraws from
   the answer, and keeps the live counts from Socket.IO `/hall` events. It never polls. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var state = JSON.parse(document.getElementById("console-state").textContent);
  var t = JSON.parse(document.getElementById("console-i18n").textContent);
  var busy = false;
  var $ = function (id) { return document.getElementById(id); };

  function name(names) { return (names && (names[t.lang] || names.ar)) || ""; }

  function setEnabled(action, on) {
    var button = $("btn-" + action);
    if (button) button.disabled = !on;
  }

  function render() {
    var ticket = state.ticket;
    var paused = state.state === "paused";
    root.dataset.state = state.state;
    $("counter-state").dataset.state = state.state;
    $("counter-state").textContent = t.states[state.state] || state.state;
    $("ticket").hidden = !ticket;
    $("no-ticket").hidden = !!ticket;
    if (ticket) {
      $("ticket-number").textContent = ticket.number;
      $("ticket-service").textContent = name(ticket.service_names);
      var priority = $("ticket-priority");
      priority.dataset.priority = ticket.priority;
      priority.textContent = t.priorities[ticket.priority] || "";
      priority.hidden = ticket.priority === "none";
      $("ticket-status").textContent = t.statuses[ticket.status] || ticket.status;
      $("ticket-status").dataset.status = ticket.status;
      $("ticket-transactions").textContent = ticket.transactions;
      $("ticket-waited").textContent = ticket.waited_minutes;
      $("ticket-recalls").textContent = ticket.recalls;
      $("ticket-note").hidden = !ticket.note;
      $("ticket-note-text").textContent = ticket.note || "";
    }
    renderVisit(ticket);
    $("paused").hidden = !paused;
    $("pause-reason").textContent = t.reasons[state.pause_reason] || state.pause_reason || "";
    // the server says which actions fit now (domain/counters.py); the page only follows
    ["call-next", "recall", "start", "complete", "no-show", "transfer", "add-leg", "end-visit", "park", "call", "pause"].forEach(function (action) {
      setEnabled(action, (state.actions || []).indexOf(action) >= 0);
    });
    renderList("parked", state.parked, t.unpark_url, t.call_back);
    renderList("missed", state.missed, t.requeue_url, t.back_in_line);
    $("btn-resume").closest("form").hidden = !paused;
    $("form-pause").closest("section").hidden = paused;
    renderCounts(state.services);
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  // A family visit: which of its services this is, what comes next, and the whole plan.
  function renderVisit(ticket) {
    var legs = (ticket && ticket.legs) || [];
    var box = $("visit");
    box.hidden = legs.length < 2;
    if (box.hidden) return;
    var counted = legs.filter(function (leg) { return leg.status !== "dropped"; });
    var done = counted.filter(function (leg) { return leg.status === "done"; }).length;
    $("visit-leg").textContent = fmt(t.leg_of, { n: done + 1, total: counted.length });
    var next = legs.filter(function (leg) { return leg.service === ticket.next_leg && leg.status === "pending"; })[0];
    $("visit-next").textContent = next ? "· " + fmt(t.next_leg, { service: name(next.body_names) + " — " + name(next.service_names) }) : "· " + t.last_leg;
    var list = $("visit-legs");
    list.textContent = "";
    legs.forEach(function (leg) {
      var li = document.createElement("li");
      li.dataset.status = leg.status;
      li.dataset.service = leg.service;
      var words = [name(leg.service_names), "×" + leg.transactions];
      if (leg.for) words.push(t.relations[leg.for] || leg.for);
      li.textContent = words.join(" · ") + " — " + (t.leg_states[leg.status] || leg.status);
      list.appendChild(li);
    });
  }

  // Parked tickets (called back with "unpark") and today's no-shows (put back in line with "requeue").
  function renderList(id, tickets, url, label) {
    var list = $(id);
    if (!list) return;
    var token = document.querySelector("input[name=csrf_token]").value;
    list.textContent = "";
    (tickets || []).forEach(function (ticket) {
      var li = document.createElement("li");
      li.dataset.number = ticket.number;
      var number = document.createElement("b");
      number.textContent = ticket.number;
      li.appendChild(number);
      li.appendChild(document.createTextNode(" " + name(ticket.service_names) + " "));
      var form = document.createElement("form");
      form.method = "post";
      form.action = url;
      form.className = "action-form inline";
      [["csrf_token", token], ["number", ticket.number]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "btn";
      button.textContent = label;
      form.appendChild(button);
      form.addEventListener("submit", function (event) { event.preventDefault(); submit(form); });
      li.appendChild(form);
      list.appendChild(li);
    });
    $(id + "-card").hidden = !(tickets && tickets.length);
  }

  function renderCounts(services) {
    (services || []).forEach(function (s) {
      var row = document.querySelector('#counts tr[data-service="' + s.code + '"]');
      if (!row) return;
      row.querySelector(".waiting").textContent = s.waiting;
      row.querySelector(".longest").textContent = s.longest_wait_minutes + " " + t.min;
    });
  }

  function flash(message, kind) {
    var box = $("flash");
    box.textContent = "";
    if (!message) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + (kind || "info");
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = message;
    box.appendChild(p);
  }

  function submit(form) {
    if (busy) return;  // one action at a time: a double press must never skip a visitor
    busy = true;
    root.classList.add("busy");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.body.signed_out) { window.location.assign(answer.body.next); return; }
        if (!answer.ok) {
          flash(answer.body.error ? answer.body.error.message : t.failed, "error");
          if (answer.body.error && answer.body.error.code === "reason_required") $("call-reason").focus();
          else if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
          return;
        }
        state = answer.body.state;
        flash(answer.body.notice, "info");
        form.reset();
        if (document.activeElement && document.activeElement.blur) document.activeElement.blur();  // shortcuts work again
        render();
      })
      .catch(function () { flash(t.failed, "error"); })
      .then(function () { busy = false; root.classList.remove("busy"); });
  }

  document.querySelectorAll("form.action-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button && button.disabled) return;
      submit(form);
    });
  });

  // Shortcuts by physical key (event.code), so they work with an Arabic or Urdu keyboard layout too.
  var keys = { KeyN: "call-next", KeyR: "recall", KeyS: "start", KeyD: "complete", KeyX: "no-show", KeyK: "park", KeyE: "end-visit", KeyQ: "sign-out" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      if (event.key === "Escape") event.target.blur();
      // Enter in a list (P, then Enter: pause for the chosen reason) sends its form as in a text field
      if (tag === "SELECT" && event.key === "Enter" && event.target.form) {
        event.preventDefault();
        event.target.form.requestSubmit();
      }
      return;
    }
    var action = keys[event.code];
    if (event.code === "KeyP") action = state.state === "paused" ? "resume" : null;
    if (action) {
      var button = $("btn-" + action);
      if (button && !button.disabled) { event.preventDefault(); submit(button.closest("form")); }
      return;
    }
    var focus = { KeyT: "transfer-service", KeyA: "add-leg-service", KeyC: "call-number", KeyP: "pause-reason-select" }[event.code];
    if (focus && $(focus) && !$(focus).closest("section").hidden) { event.preventDefault(); $(focus).focus(); }
  });

  function counterEntry(entry) {
    if (!entry || entry.code !== state.counter || busy) return;  // our own answer is on its way
    var current = state.ticket ? state.ticket.number + "/" + state.ticket.status : null;
    var now = entry.current ? entry.current.number + "/" + entry.current.status : null;
    if (entry.state === state.state && current === now) return;
    // changed elsewhere (a supervisor, another tab): read the whole state, allowed actions included
    fetch(root.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && !busy) { state = body.state; render(); } })
      .catch(function () { flash(t.failed, "error"); });
  }

  function mine(services) {
    var codes = state.services.map(function (s) { return s.code; });
    return (services || []).filter(function (s) { return codes.indexOf(s.code) >= 0; });
  }

  window.TabourLive.connect("/hall", {
    socket: { auth: { centre: state.centre } },
    onLive: function (up) {
      $("live").dataset.connected = String(up);
      if (!up) flash(t.offline, "error");
    },
    on: {
      hall_snapshot: function (snapshot) {
        renderCounts(mine(snapshot.services));
        (snapshot.counters || []).forEach(counterEntry);
      },
      queue_changed: function (message) { renderCounts(mine(message.services)); },
      counter_changed: function (message) { counterEntry(message.counter); },
    },
  });
  render();
})();
