/* Parley's few lines of JavaScript: live countdowns and confirmation prompts.
   Everything works without it; it only makes deadlines tick and asks before irreversible clicks. */
(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.getAttribute("data-server-now") || "");
  // The server's clock may be a test clock: count down against it, not the browser's.
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // The page's language gives the words: "in {}|due now|overdue by {}|d|h|m|s".
  var words = (body.getAttribute("data-countdown-words") || "in {}|due now|overdue by {}|d|h|m|s").split("|");
  if (words.length !== 7) { words = "in {}|due now|overdue by {}|d|h|m|s".split("|"); }

  function span(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) { return d + words[3] + " " + h + words[4] + " " + pad(m) + words[5]; }
    if (h > 0) { return h + words[4] + " " + pad(m) + words[5]; }
    return m + words[5] + " " + pad(s) + words[6];
  }

  function describe(ms) {
    if (ms > 0) { return words[0].replace("{}", span(ms)); }
    if (ms > -60000) { return words[1]; }
    return words[2].replace("{}", span(-ms));
  }

  var dueSoon = null; // a countdown reached zero: the page's verdicts are asked for again

  function tick() {
    var now = Date.now() + offset;
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var at = Date.parse(nodes[i].getAttribute("data-countdown"));
      if (isNaN(at)) { continue; }
      nodes[i].textContent = describe(at - now);
      if (at - now > 0) {
        nodes[i].setAttribute("data-ahead", "1");
      } else if (nodes[i].getAttribute("data-ahead") && !dueSoon) {
        nodes[i].removeAttribute("data-ahead");
        // A moment later, so the server's clock has passed it too.
        dueSoon = window.setTimeout(function () { dueSoon = null; refresh(true); }, 1500);
      }
    }
  }

  // A proposal form shows only the fields of the chosen kind (`data-kinds` on the field's
  // wrapper); hidden fields are disabled so they are not sent. Without JavaScript all show.
  function showKindFields(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    var fields = form.querySelectorAll("[data-kinds]");
    for (var i = 0; i < fields.length; i++) {
      var wanted = fields[i].getAttribute("data-kinds").split(" ").indexOf(kind.value) >= 0;
      fields[i].hidden = !wanted;
      var inputs = fields[i].querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !wanted; }
    }
  }
  function showAllKindFields(root) {
    var forms = (root || document).querySelectorAll("form[data-kind-form]");
    for (var i = 0; i < forms.length; i++) { showKindFields(forms[i]); }
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-kind-form]");
    if (form && event.target.name === "kind") { showKindFields(form); }
  }, true);
  showAllKindFields();

  // Live case pages (web/live.py): ask for the page again with the version it shows; a 304
  // costs nothing to render. When it changed, swap every live region, except one the person is
  // typing in. Polls pause while the tab is hidden.
  var live = document.querySelector("[data-live-url]");
  var version = live ? live.getAttribute("data-live-version") : "";
  var polling = false;
  var POLL_MS = 3000;

  function touched(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active) &&
        /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "submit") { continue; }
      if (f.type === "checkbox" || f.type === "radio") { if (f.checked !== f.defaultChecked) { return true; } continue; }
      if (f.type === "file") { if (f.value) { return true; } continue; }
      if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) { if (f.options[j].selected !== f.options[j].defaultSelected) { return true; } }
        continue;
      }
      if (f.value !== f.defaultValue) { return true; }
    }
    var open = region.querySelector("details[open]");
    return Boolean(open);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var regions = document.querySelectorAll("[data-live][id]");
    for (var i = 0; i < regions.length; i++) {
      var next = fresh.getElementById(regions[i].id);
      if (!next || touched(regions[i]) || next.innerHTML === regions[i].innerHTML) { continue; }
      var node = document.importNode(next, true);
      regions[i].replaceWith(node);
      if (window.htmx) { window.htmx.process(node); }
      showAllKindFields(node);
    }
    var title = fresh.querySelector("title");
    if (title) { document.title = title.textContent; }
    tick();
    scrollChats();
  }

  function refresh(force) {
    if (!live || polling) { return; }
    polling = true;
    var headers = { "X-Parley-Live": "1" };
    if (version && !force) { headers["If-None-Match"] = version; }
    window.fetch(live.getAttribute("data-live-url"), { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) { return null; }
        version = response.headers.get("ETag") || version;
        return response.text();
      })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { polling = false; });
  }

  if (live) {
    window.setInterval(function () { if (!document.hidden) { refresh(false); } }, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(false); } });
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
