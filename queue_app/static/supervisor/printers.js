// Kiosk printers page: the print worker's `print_status` events (on /hall, staff only) update the
// printer rows and the job rows in place; a job not listed yet is added on top.
(function () {
  "use strict";
  var root = document.getElementById("printers-page");
  var data = JSON.parse(document.getElementById("printers-data").textContent);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function time(iso) {
    var at = new Date(iso);
    return isNaN(at) ? iso : at.toLocaleString(data.lang, { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short" });
  }
  document.querySelectorAll("#job-table time").forEach(function (node) { node.textContent = time(node.getAttribute("datetime")); });

  function printerRow(printer) {
    var row = document.querySelector('#printer-table tr[data-kiosk="' + CSS.escape(printer.kiosk) + '"]');
    if (!row) return;
    row.dataset.status = printer.status;
    row.querySelector(".status").textContent = data.printer_words[printer.status] || printer.status;
  }
  function jobRow(job) {
    var body = document.querySelector("#job-table tbody");
    var row = body.querySelector('tr[data-job="' + CSS.escape(job.id) + '"]');
    if (!row) {
      var none = body.querySelector("tr.none");
      if (none) none.remove();
      row = el("tr", { "data-job": job.id });
      var ticket = el("th", { scope: "row" });
      ticket.appendChild(el("bdi", { dir: "ltr" }, job.ticket || "—"));
      var kiosk = el("td");
      kiosk.appendChild(el("bdi", { dir: "ltr" }, job.kiosk));
      var when = el("td");
      when.appendChild(el("time", { datetime: job.created_at }, time(job.created_at)));
      var form = el("form", { method: "post", action: data.reprint_url.replace("__J__", encodeURIComponent(job.id)) });
      form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: data.csrf }));
      form.appendChild(el("button", { type: "submit", class: "btn" }, data.reprint));
      var action = el("td");
      action.appendChild(form);
      [ticket, kiosk, el("td", { class: "status" }), el("td", { class: "attempts" }), el("td", { class: "error" }), when, action]
        .forEach(function (cell) { row.appendChild(cell); });
      body.insertBefore(row, body.firstChild);
    }
    row.dataset.status = job.status;
    if (job.problem) row.dataset.problem = "true"; else delete row.dataset.problem;
    row.querySelector(".status").textContent = data.job_words[job.status] || job.status;
    row.querySelector(".attempts").textContent = job.attempts;
    row.querySelector(".error").textContent = job.last_error || "";
  }

  window.TabourLive.connect("/hall", {
    socket: { auth: { centre: root.dataset.centre } },
    onLive: function (up) { document.getElementById("live").dataset.connected = String(up); },
    on: {
      print_status: function (message) {
        if (message.printer) printerRow(message.printer);
        if (message.job) jobRow(message.job);
      },
      resync: function () { window.location.reload(); },
    },
  });
})();
