/* Small screens: the desk's navigation folds behind one "Menu" button, so the first screen of
 * the page is the work itself; wide screens open the "Job details" disclosure.
 *
 * Progressive: without this file the navigation is shown in full and the details stay a
 * plain <details>. The button is a disclosure (aria-expanded, aria-controls), reachable and
 * operable by keyboard like any button. Loaded by every desk page (templates/desk/base.html), so
 * on a phone each page starts with its own content.
 */
(function () {
  "use strict";
  if (!window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 40rem)");
  var nav = document.querySelector("header.desk nav");

  if (nav) {
    if (!nav.id) { nav.id = "desk-nav"; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "desk-menu-button";
    button.textContent = "Menu";
    button.setAttribute("aria-controls", nav.id);
    button.setAttribute("aria-expanded", "false");
    nav.parentNode.insertBefore(button, nav);

    var apply = function () {
      if (narrow.matches) {
        button.hidden = false;
        nav.hidden = button.getAttribute("aria-expanded") !== "true";
      } else {
        button.hidden = true;
        nav.hidden = false;
      }
    };
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      apply();
      if (open) {
        var first = nav.querySelector("a, button, summary");
        if (first) { first.focus(); }
      }
    });
    nav.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        apply();
        button.focus();
      }
    });
    if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
    apply();
  }

  if (!narrow.matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
})();
