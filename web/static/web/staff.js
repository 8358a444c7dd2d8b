/* The staff desk's keyboard and canned replies. Everything works without it.
   Inbox: j/k move, x ticks, o opens, t takes, n goes to the next case, / searches.
   Case page: t takes the case, n opens the next case. A canned-reply picker inserts its text. */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll(".desk-row"));
  var current = -1;

  function select(n) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, n));
    rows.forEach(function (row, i) {
      row.classList.toggle("current", i === current);
      row.setAttribute("aria-current", i === current ? "true" : "false");
    });
    var link = rows[current].querySelector(".desk-open");
    if (link) { link.focus({ preventScroll: true }); }
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function row() { return current >= 0 ? rows[current] : null; }

  function click(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    var key = event.key;
    var focus = document.querySelector('[data-shortcut-focus="' + key + '"]');
    if (focus) { event.preventDefault(); focus.focus(); focus.select && focus.select(); return; }
    if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current < 0 ? 0 : current - 1); }
    else if (key === "o" && row()) { click('.desk-row.current .desk-open'); }
    else if (key === "x" && row()) {
      var box = row().querySelector('input[type="checkbox"]');
      if (box) { box.checked = !box.checked; }
    } else if (key === "t") {
      if (row()) {
        var form = document.getElementById("bulk-take");
        var ticks = form.querySelectorAll('input[name="case"]');
        for (var i = 0; i < ticks.length; i++) { ticks[i].checked = false; }
        row().querySelector('input[name="case"]').checked = true;
        form.submit();
      } else if (!click('[data-shortcut="t"]')) { return; }
    } else if (key === "n") {
      if (!click('[data-shortcut="n"]')) { return; }
    } else { return; }
    event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("[data-canned-target]")) { return; }
    var option = picker.options[picker.selectedIndex];
    var text = option && option.getAttribute("data-text");
    var area = document.getElementById(picker.getAttribute("data-canned-target"));
    if (!text || !area) { return; }
    var start = area.selectionStart || 0, end = area.selectionEnd || 0;
    var before = area.value.slice(0, start), after = area.value.slice(end);
    area.value = before + text + after;
    area.focus();
    area.selectionStart = area.selectionEnd = before.length + text.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    picker.selectedIndex = 0;
  });
})();
