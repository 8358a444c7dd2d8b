/* Parley's few lines of JavaScript: live countdowns and confirmation prompts.
   Everything works without it; it only makes deadlines tick and asks before irreversible clicks. */
(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.getAttribute("data-server-now") || "");
  // The server's clock may be a test clock: count down against it, not the browser's.
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function span(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) { return d + "d " + h + "h " + pad(m) + "m"; }
    if (h > 0) { return h + "h " + pad(m) + "m"; }
    return m + "m " + pad(s) + "s";
  }

  function describe(ms) {
    if (ms > 0) { return "in " + span(ms); }
    if (ms > -60000) { return "due now"; }
    return "overdue by " + span(-ms);
  }

  function tick() {
    var now = Date.now() + offset;
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var at = Date.parse(nodes[i].getAttribute("data-countdown"));
      if (!isNaN(at)) { nodes[i].textContent = describe(at - now); }
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  document.addEventListener("htmx:afterSwap", tick);
  tick();
  window.setInterval(tick, 1000);

  // Keep chats scrolled to the newest message.
  function scrollChats() {
    var chats = document.querySelectorAll(".chat");
    for (var i = 0; i < chats.length; i++) { chats[i].scrollTop = chats[i].scrollHeight; }
  }
  document.addEventListener("htmx:afterSwap", scrollChats);
  scrollChats();

  // A table that is wider than the screen scrolls inside its frame; keyboard users reach it with
  // Tab and scroll it with the arrow keys, and screen readers hear what it holds.
  function focusableScrollers() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          var caption = box.querySelector("caption");
          var heading = box.closest("section, .card");
          heading = heading && heading.querySelector("h1, h2, h3");
          var title = caption || heading || document.querySelector("main h1");
          if (title) { box.setAttribute("aria-label", title.textContent.trim()); }
        }
      }
    }
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
})();
