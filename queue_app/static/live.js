/* Every live page's link to the server: one Socket.IO connection to a namespace, its state (up or down)
   told to the page once per change, a catch-up when the server says events were lost (`resync`, sent
   when the bus between server processes works again) and a reload when the hall's configuration changed. The page names its events and what a
   catch-up is (by default: ask the namespace for a fresh `snapshot`). */
(function () {
  "use strict";

  function connect(namespace, options) {
    if (!window.io) return null;
    var socket = window.io(namespace, Object.assign({ transports: ["websocket"] }, options.socket || {}));
    var up = false;
    var told = options.onLive || function () {};
    function live(value) {
      if (value === up) return;
      up = value;
      told(value);
    }
    socket.on("connect", function () { live(true); });
    socket.on("disconnect", function () { live(false); });
    socket.on("connect_error", function (error) {
      live(false);
      // the server was too busy to look the client up (a connect storm, a database outage): again soon,
      // at a random moment so a hall's screens and phones do not all come back at once
      if (error && error.message === "temporarily_unavailable") {
        setTimeout(function () { socket.connect(); }, 2000 + Math.random() * 3000);
        return;
      }
      if (options.onError) options.onError(error, socket);
    });
    socket.on("resync", options.onResync || function () { socket.emit("snapshot"); });
    // an administrator changed the hall (a service, a counter, a screen): load the page again, after a
    // random pause of up to `hallChangedDelay` ms so a hall's screens do not all ask at the same moment
    socket.on("hall_changed", function () {
      setTimeout(reloadWhenIdle, Math.random() * (options.hallChangedDelay || 0));
    });
    var events = options.on || {};
    Object.keys(events).forEach(function (name) { socket.on(name, events[name]); });
    return socket;
  }

  /* Load the page again, but not under someone's fingers: while a field has the focus (a clerk typing a
     transfer note), wait until it is left. */
  function reloadWhenIdle() {
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      active.addEventListener("blur", function () { setTimeout(reloadWhenIdle, 500); }, { once: true });
      return;
    }
    window.location.reload();
  }

  /* Fill a translated string's {name} placeholders: the server renders gettext's %(name)s as {name}
     for the pages, one syntax on every page. */
  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  window.TabourLive = { connect: connect, format: format };
})();
