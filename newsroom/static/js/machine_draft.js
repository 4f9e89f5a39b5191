/* Machine drafts in the editor: progressive enhancement of the plain forms in
 * templates/desk/_machine_draft.html.
 *
 * Without this file, "Machine draft" and "Draft all empty blocks" post a form and the page
 * shows the drafts once the server has made them. With it, the request is sent in the
 * background, the job is polled, and each draft is put into its box only if the box is still
 * empty: text typed meanwhile is never replaced (the server applies the same rule). The
 * version number the autosave sends is moved on, because the server saved the drafts.
 */
(function () {
  "use strict";
  var form = document.getElementById("machine-draft-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var statusEl = document.getElementById("machine-status");
  var basedOn = document.getElementById("based-on");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var POLL_MS = 1500;
  var MAX_POLLS = 80;

  function say(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "machine-status" + (cls ? " " + cls : "");
  }

  function refreshButtons() {
    document.querySelectorAll(".machine-draft-one").forEach(function (button) {
      var box = document.getElementById(button.getAttribute("data-target"));
      button.disabled = Boolean(box && box.value.trim());
    });
  }

  function markBox(box, provider) {
    var note = document.createElement("p");
    note.className = "machine-mark";
    note.textContent = "Machine draft inserted" + (provider ? " (" + provider + ")" : "") +
      ": read it against the source and correct it.";
    box.insertAdjacentElement("afterend", note);
  }

  function apply(body) {
    var filled = 0;
    var kept = 0;
    Object.keys(body.blocks || {}).forEach(function (id) {
      var box = document.getElementById("b-" + id + "-text");
      if (!box) { return; }
      if (box.value.trim()) {
        if (box.value !== body.blocks[id]) { kept += 1; }
        return;
      }
      box.value = body.blocks[id];
      markBox(box, body.provider);
      filled += 1;
    });
    if (basedOn && typeof body.edit_version === "number" && body.edit_version > parseInt(basedOn.value, 10)) {
      basedOn.value = body.edit_version;
    }
    var text = "Machine draft ready: " + filled + " paragraph" + (filled === 1 ? "" : "s") + " filled.";
    if (kept) { text += " " + kept + " box" + (kept === 1 ? " was" : "es were") + " typed in meanwhile and kept as typed."; }
    if (!filled && !kept) { text = "Nothing to draft: every box already has text."; }
    say(text, "saved");
    refreshButtons();
  }

  function poll(url, count) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.status === "failed") {
          say("Machine draft failed: " + (body.message || "the service did not answer") + " Your text is untouched.", "not-saved");
        } else if (body.status === "done") {
          apply(body);
        } else if (count >= MAX_POLLS) {
          say("The machine draft is still on its way; reload the page later to see it.", "pending");
        } else {
          setTimeout(function () { poll(url, count + 1); }, POLL_MS);
        }
      })
      .catch(function () {
        if (count >= MAX_POLLS) { say("Could not check on the machine draft; reload the page later.", "not-saved"); return; }
        setTimeout(function () { poll(url, count + 1); }, POLL_MS * 2);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name === "block") { data.append("block", submitter.value); }
    say("Asking for a machine draft…", "pending");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
      body: data
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (res) {
      if (res.status === 202 && res.body.status_url) {
        poll(res.body.status_url, 0);
      } else {
        say((res.body && res.body.message) || "The machine draft could not be requested.", "not-saved");
      }
    }).catch(function () {
      say("The machine draft could not be requested (no connection). Nothing was changed.", "not-saved");
    });
  });

  document.addEventListener("input", refreshButtons);
  refreshButtons();
}());
