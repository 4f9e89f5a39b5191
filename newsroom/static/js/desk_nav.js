/* The desk bar's menus (<details> in templates/desk/base.html) work without this file. With it
 * they behave like menus elsewhere: opening one closes the others, Escape closes the open one
 * and returns focus to its summary, and a click or tap outside the bar closes it. */
(function () {
  "use strict";
  var nav = document.querySelector("header.desk .desk-nav");
  if (!nav) { return; }
  var menus = Array.prototype.slice.call(nav.querySelectorAll("details"));

  function closeAll(except) {
    menus.forEach(function (menu) { if (menu !== except) { menu.open = false; } });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) { closeAll(menu); } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = menus.filter(function (menu) { return menu.open; })[0];
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) { closeAll(null); }
  });
})();
