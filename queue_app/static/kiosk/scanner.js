/* A USB keyboard-wedge QR scanner "types" the code's text and Enter into the kiosk page: this tells its
   bursts from people typing and hands each scanned text over (`TabourScanner.listen`). */
(function () {
  "use strict";
  let modeOf = () => "start";
  let onScan = () => {};

  /* A scanner types a character every few milliseconds; people are far slower. A burst ending in
     Enter is a scan if its characters came on average less than SCAN_AVERAGE_MS apart (an average, so
     one late USB or scheduling hiccup does not split a scan); a pause longer than the reset gap starts
     a new burst. On the check-in screen (the visitor asked to scan) slower scanners (Bluetooth) count. */
  const SCAN_AVERAGE_MS = { start: 60, checkin: 300 };
  const SCAN_RESET_MS = { start: 500, checkin: 2000 };
  const SCAN_MIN_LENGTH = 8;
  /* The scanner sends US key positions; if the kiosk's keyboard layout is Arabic, event.key is an
     Arabic letter, so the physical key (event.code) is mapped back to the US character. */
  const US_KEYS = { Minus: "-_", Equal: "=+", BracketLeft: "[{", BracketRight: "]}", Backslash: "\\|",
    Semicolon: ";:", Quote: "'\"", Backquote: "`~", Comma: ",<", Period: ".>", Slash: "/?", Space: "  " };
  ")!@#$%^&*(".split("").forEach((shifted, digit) => { US_KEYS["Digit" + digit] = String(digit) + shifted; });
  "abcdefghijklmnopqrstuvwxyz".split("").forEach((c) => { US_KEYS["Key" + c.toUpperCase()] = c + c.toUpperCase(); });
  const scanner = { buffer: "", first: 0, last: 0 };

  function scannedChar(event) {
    if (event.key.length === 1 && event.key >= " " && event.key <= "~") return event.key;
    const pair = US_KEYS[event.code];
    return pair ? pair[event.shiftKey ? 1 : 0] : null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const now = performance.now();
    const mode = modeOf();
    if (event.key === "Enter") {
      event.preventDefault(); // never "click" the focused button
      const text = scanner.buffer;
      const average = (now - scanner.first) / Math.max(text.length, 1);
      const fresh = now - scanner.last <= SCAN_RESET_MS[mode];
      scanner.buffer = "";
      if (text.length >= SCAN_MIN_LENGTH && fresh && average <= SCAN_AVERAGE_MS[mode]) onScan(text);
      return;
    }
    const char = scannedChar(event);
    if (char === null) return; // Shift and other modifier keys
    event.preventDefault();
    if (!scanner.buffer || now - scanner.last > SCAN_RESET_MS[mode]) {
      scanner.buffer = "";
      scanner.first = now;
    }
    scanner.buffer += char;
    scanner.last = now;
  }

  window.TabourScanner = {
    /** `mode()` says "checkin" when the visitor was asked to scan (slower scanners count), else "start". */
    listen(mode, handler) {
      modeOf = mode;
      onScan = handler;
      document.addEventListener("keydown", onKey, true);
    },
  };
})();
