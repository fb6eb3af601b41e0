/* The central board: one tile per centre, the one in most trouble first, from `/central` Socket.IO
   events (central_snapshot, then centre_changed). It never polls. */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("central-i18n").textContent);
  var rows = {};
  var list = document.getElementById("centres");
  var fmt = function (template, values) { return window.TabourLive.format(template, values); };
  var name = function (names) { return (names && (names[t.lang] || names.ar)) || ""; };

  function fact(label, value) {
    var div = document.createElement("div");
    var dt = document.createElement("span");
    dt.className = "label";
    dt.textContent = label;
    var dd = document.createElement("b");
    dd.textContent = value;
    div.append(dt, dd);
    return div;
  }

  function tile(row) {
    var li = document.createElement("li");
    li.className = "centre-tile";
    li.dataset.centre = row.centre;
    li.dataset.open = String(row.open);
    li.dataset.alert = row.alerts.length ? row.alerts[0].kind : "none";
    var link = document.createElement("a");
    link.href = t.board_url.replace("CENTRE", encodeURIComponent(row.centre));
    var title = document.createElement("h2");
    title.textContent = name(row.names);
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = row.open ? t.open : t.closed;
    title.appendChild(state);
    link.appendChild(title);
    var facts = document.createElement("div");
    facts.className = "facts";
    facts.append(
      fact(t.waiting, row.waiting),
      fact(t.longest, row.longest_wait_minutes + " " + t.min + (row.longest_target ? " / " + row.longest_target : "")),
      fact(t.counters, row.counters_working + " / " + row.counters),
      fact(t.within, row.within_target_today === null ? "–" : Math.round(100 * row.within_target_today) + " %"),
      fact(t.rating, row.rating_today === null ? "–" : row.rating_today)
    );
    facts.dataset.waiting = String(row.waiting);
    var alerts = document.createElement("ul");
    alerts.className = "alerts";
    (row.alerts.length ? row.alerts : [null]).slice(0, 3).forEach(function (alert) {
      var item = document.createElement("li");
      item.dataset.kind = alert ? alert.kind : "none";
      item.textContent = alert ? fmt(t[alert.kind], { service: name(alert.names) }) : t.calm;
      alerts.appendChild(item);
    });
    link.append(facts, alerts);
    li.appendChild(link);
    return li;
  }

  function render() {
    var ordered = Object.keys(rows).map(function (code) { return rows[code]; });
    ordered.sort(function (a, b) { return b.trouble - a.trouble || (name(a.names) < name(b.names) ? -1 : 1); });
    list.replaceChildren.apply(list, ordered.map(tile));
    document.body.dataset.centres = String(ordered.length);
  }

  window.TabourLive.connect("/central", {
    onLive: function (up) { document.getElementById("live").dataset.connected = String(up); },
    on: {
      central_snapshot: function (message) {
        rows = {};
        message.centres.forEach(function (row) { rows[row.centre] = row; });
        render();
      },
      centre_changed: function (message) { rows[message.centre.centre] = message.centre; render(); },
    },
  });
})();
