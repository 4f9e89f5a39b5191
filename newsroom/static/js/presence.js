/* Who else has this job open: a heartbeat to desk:presence every 15 s (and soon after the person
 * starts typing), updating the list the page was served with. Before the person types while
 * someone else has the job open, a warning says so once. Without this file the list is as of
 * the page load.
 */
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box || !window.fetch || !window.FormData) { return; }
  var url = box.getAttribute("data-url");
  var tab = box.getAttribute("data-tab");
  var canEdit = box.getAttribute("data-can-edit") === "1";
  var list = document.getElementById("presence-list");
  var warning = document.getElementById("presence-warning");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = tokenInput ? tokenInput.value : "";
  var others = [];
  var typing = false;
  var warned = false;
  var timer = null;

  function render(body) {
    others = body.others || [];
    var parts = [];
    if (others.length) {
      parts.push("Also open now by: " + others.map(function (p) {
        return p.name + (p.typing ? " (typing)" : "");
      }).join(", ") + ".");
      if (canEdit) { parts.push("If you both type, one of you will have to merge: agree who writes first."); }
    }
    if (body.my_other_tabs) {
      parts.push("You have this job open in " + body.my_other_tabs + " other tab" + (body.my_other_tabs > 1 ? "s" : "") + " too.");
    }
    var text = parts.join(" ");
    if (list.textContent !== text) { list.textContent = text; }
  }

  function beat() {
    var data = new FormData();
    data.append("tab", tab);
    data.append("typing", typing ? "1" : "0");
    typing = false;
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf, "Accept": "application/json" }, body: data })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { render(body); } })
      .catch(function () {})
      .then(function () { schedule(15000); });
  }

  function schedule(ms) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(beat, ms);
  }

  var editor = document.getElementById("editor-form");
  if (editor && canEdit) {
    editor.addEventListener("input", function () {
      if (!warned && others.length) {
        warned = true;
        warning.textContent = others.map(function (p) { return p.name; }).join(", ") +
          (others.length > 1 ? " have" : " has") + " this job open too. If you both type, the later save will be refused and one of you will have to merge.";
        warning.hidden = false;
      }
      if (!typing) { typing = true; schedule(1000); }
    });
  }
  schedule(15000);
})();
