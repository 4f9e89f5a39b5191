/* @mentions in comments: while a comment box's word under the cursor starts with "@", offer the
 * people listed in #mention-people (templates/desk/_mentions.html) whose username starts with it;
 * a click or Enter puts "@username " in. Without this file the list is there to read.
 */
(function () {
  "use strict";
  var source = document.getElementById("mention-people");
  if (!source) { return; }
  var people = Array.prototype.map.call(source.querySelectorAll("li[data-username]"), function (li) {
    return { username: li.getAttribute("data-username"), text: li.textContent.trim() };
  });
  var menu = document.createElement("ul");
  menu.className = "mention-menu";
  menu.id = "mention-menu";
  menu.setAttribute("role", "listbox");
  menu.setAttribute("aria-label", "People to mention");
  menu.hidden = true;
  document.body.appendChild(menu);
  var field = null, start = -1, active = 0;

  function word(el) {
    var upto = el.value.slice(0, el.selectionStart);
    var m = /(^|\s)@([\w.+-]*)$/.exec(upto);
    return m ? { at: upto.length - m[2].length - 1, prefix: m[2].toLowerCase() } : null;
  }
  function close() { menu.hidden = true; field = null; }
  function choose(username) {
    if (!field) { return; }
    var el = field, caret = el.selectionStart;
    el.value = el.value.slice(0, start) + "@" + username + " " + el.value.slice(caret);
    var pos = start + username.length + 2;
    el.setSelectionRange(pos, pos);
    close();
    el.focus();
  }
  function show(el, found) {
    var w = word(el);
    menu.textContent = "";
    if (!w) { close(); return; }
    var matches = people.filter(function (p) { return p.username.toLowerCase().indexOf(w.prefix) === 0; }).slice(0, 8);
    if (!matches.length) { close(); return; }
    field = el; start = w.at; active = 0;
    matches.forEach(function (p, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "mention-option-" + i;
      li.textContent = p.text;
      li.setAttribute("data-username", p.username);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(p.username); });
      menu.appendChild(li);
    });
    var r = el.getBoundingClientRect();
    menu.style.left = (window.scrollX + r.left) + "px";
    menu.style.top = (window.scrollY + r.bottom) + "px";
    menu.hidden = false;
    mark();
  }
  function mark() {
    Array.prototype.forEach.call(menu.children, function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    if (field) { field.setAttribute("aria-activedescendant", "mention-option-" + active); }
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-mentions]")) { show(e.target); }
  });
  document.addEventListener("keydown", function (e) {
    if (menu.hidden || e.target !== field) { return; }
    if (e.key === "ArrowDown") { active = Math.min(active + 1, menu.children.length - 1); mark(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); mark(); e.preventDefault(); }
    else if (e.key === "Enter" || e.key === "Tab") { choose(menu.children[active].getAttribute("data-username")); e.preventDefault(); }
    else if (e.key === "Escape") { close(); }
  });
  document.addEventListener("focusout", function (e) { if (e.target === field) { setTimeout(close, 150); } });
})();
