/* Side-by-side editor: autosave, honest save status, live checks, conflict panel, memory insertion.
 *
 * Progressive enhancement of the plain form in templates/desk/editor.html: without this
 * file the form saves with its buttons. With it, changes are sent ~2 s after typing stops
 * and when a field loses focus, to the JSON endpoint (desk:autosave). Typed text is never
 * dropped: a field stays "dirty" until the server confirms the very text that was sent;
 * network errors are retried with backoff; a stale save (HTTP 409) shows both texts and
 * stops autosaving until the person decides.
 */
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form || !window.fetch) { return; }

  var url = form.getAttribute("data-autosave-url");
  var basedOnInput = document.getElementById("based-on");
  var statusEl = document.getElementById("save-status");
  var panel = document.getElementById("conflict-panel");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var presenceEl = document.getElementById("presence");
  var tab = presenceEl ? presenceEl.getAttribute("data-tab") || "" : "";  // this page's tab id
  var DELAY = 2000;
  var dirty = {};        // key -> generation (incremented on each change)
  var timer = null;
  var inFlight = false;
  var retryDelay = 0;
  var blocked = false;   // after a conflict or refusal: no autosave until the person decides
  var noteSeq = 0;
  var submitPending = false;  // a button was pressed while an autosave was on its way
  var pendingSubmitter = null;

  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "save-status" + (cls ? " " + cls : "");
  }

  function keyOf(el) {
    if (el.dataset.field) { return "f:" + el.dataset.field; }
    if (el.dataset.block) { return "b:" + el.dataset.block; }
    if (el.classList.contains("note-text") || el.classList.contains("note-new") || el.dataset.noteDelete) { return "notes"; }
    return null;
  }

  function markDirty(el) {
    var key = keyOf(el);
    if (!key) { return; }
    dirty[key] = (dirty[key] || 0) + 1;
    if (!blocked) { setStatus("Changes not saved yet", "pending"); }
    schedule(DELAY);
  }

  function schedule(ms) {
    if (blocked) { return; }
    clearTimeout(timer);
    timer = setTimeout(save, ms);
  }

  function blockPayload(id) {
    var text = form.querySelector('[data-block="' + id + '"][data-part="text"]');
    var omitted = form.querySelector('[data-block="' + id + '"][data-part="omitted"]');
    var reason = form.querySelector('[data-block="' + id + '"][data-part="reason"]');
    var alt = form.querySelector('[data-block="' + id + '"][data-part="alt"]');
    var payload = {
      text: text ? text.value : "",
      omitted: omitted ? omitted.checked : false,
      reason: reason ? reason.value : ""
    };
    if (alt) { payload.alt = alt.value; }
    ["cite", "credit"].forEach(function (part) {  // a quote's attribution, a picture's photographer
      var el = form.querySelector('[data-block="' + id + '"][data-part="' + part + '"]');
      if (el) { payload[part] = el.value; }
    });
    return payload;
  }

  function notesPayload() {
    var notes = [];
    form.querySelectorAll("textarea.note-text").forEach(function (el) {
      var del = form.querySelector('[data-note-delete="' + el.dataset.noteId + '"]');
      if (del && del.checked) { return; }
      notes.push({ id: el.dataset.noteId, after: el.dataset.noteAfter || "", text: el.value, keep: true });
    });
    form.querySelectorAll("textarea.note-new").forEach(function (el) {
      if (!el.value.trim()) { return; }
      if (!el.dataset.pendingId) { el.dataset.pendingId = "n" + Date.now().toString(36) + (noteSeq++); }
      notes.push({ id: el.dataset.pendingId, after: el.dataset.noteAfter || "", text: el.value, keep: true });
    });
    return notes;
  }

  function buildPayload(keys) {
    var data = { based_on: parseInt(basedOnInput.value, 10) };
    keys.forEach(function (key) {
      if (key.indexOf("f:") === 0) {
        var name = key.slice(2);
        data[name] = form.querySelector('[data-field="' + name + '"]').value;
      } else if (key.indexOf("b:") === 0) {
        data.blocks = data.blocks || {};
        data.blocks[key.slice(2)] = blockPayload(key.slice(2));
      } else if (key === "notes") {
        data.notes = notesPayload();
      }
    });
    return data;
  }

  function afterNotesSaved() {
    // New notes the server now holds become ordinary notes; deleted ones leave the page.
    form.querySelectorAll("textarea.note-new").forEach(function (el) {
      if (!el.dataset.pendingId) { return; }
      var id = el.dataset.pendingId;
      el.classList.remove("note-new");
      el.classList.add("note-text");
      el.dataset.noteId = id;
      el.name = "note-" + id + "-text";
      delete el.dataset.pendingId;
    });
    form.querySelectorAll("[data-note-delete]").forEach(function (box) {
      if (box.checked) {
        var note = box.closest(".note");
        if (note) { note.remove(); }
      }
    });
  }

  function save() {
    clearTimeout(timer);
    if (blocked) { return; }
    var keys = Object.keys(dirty);
    if (!keys.length) { return; }
    if (inFlight) { schedule(500); return; }
    var sent = {};
    keys.forEach(function (k) { sent[k] = dirty[k]; });
    var payload = buildPayload(keys);
    inFlight = true;
    setStatus("Saving…", "pending");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json", "X-Desk-Tab": tab },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (res) {
      inFlight = false;
      // Only a JSON answer with the new version number confirms the save: a 200 page reached by
      // a redirect (an expired session sends the login form) saved nothing.
      var confirmed = res.status === 200 && res.body && typeof res.body.edit_version === "number";
      if (confirmed) {
        basedOnInput.value = res.body.edit_version;
        if (resumeSubmit()) { return; }
        retryDelay = 0;
        basedOnInput.value = res.body.edit_version;
        Object.keys(sent).forEach(function (k) {
          if (dirty[k] === sent[k]) { delete dirty[k]; }
        });
        if (sent.notes !== undefined) { afterNotesSaved(); }
        // The desk's clock and zone, formatted by the server: never the browser's own.
        var time = res.body.saved_at_display || "";
        applyChecks(res.body.checks);
        if (Object.keys(dirty).length) {
          setStatus("Changes not saved yet", "pending");
          schedule(DELAY);
        } else {
          setStatus("Saved at " + time, "saved");
        }
      } else if (res.status === 409) {
        showConflict(res.body, payload);
      } else if (res.status === 422) {
        // A text over its limit: refused whole, nothing written; the text stays in its box
        // (still unsaved) and the next change tries again.
        setStatus("Not saved — " + ((res.body && res.body.message) || "a text is too long"), "not-saved");
      } else if (res.status === 200 || res.status === 403 || res.status === 404 || res.status === 400) {
        blocked = true;
        submitPending = false;
        var reason = res.status === 200 ? "the server did not confirm the save (you may have been logged out)"
          : ((res.body && res.body.message) || "you can no longer edit this text");
        setStatus("Not saved — " + reason + ". Copy your text before leaving the page.", "not-saved");
      } else {
        retry();
      }
    }).catch(function () {
      inFlight = false;
      if (resumeSubmit()) { return; }
      retry();
    });
  }

  // The server's checks of the text just saved (the same list Submit is refused on): each
  // paragraph's messages, the title's, the one-line summary (a polite live region) and the
  // Submit button's count change in place.
  function fillChecks(list, items) {
    if (!list) { return; }
    list.textContent = "";
    (items || []).forEach(function (p) { add(list, "li", p.text, "check " + p.severity); });
    list.hidden = !list.children.length;
  }

  function applyChecks(report) {
    if (!report || typeof report.errors !== "number") { return; }
    var summary = document.getElementById("checks-summary");
    if (summary && summary.textContent !== report.summary) {
      summary.textContent = "";
      if (report.errors) { add(summary, "strong", report.summary); } else { summary.textContent = report.summary; }
    }
    if (summary) { summary.className = "check " + report.level; }
    fillChecks(document.getElementById("checks-general"), report.general);
    form.querySelectorAll("ul[data-checks-for]").forEach(function (list) {
      var items = (report.blocks || {})[list.dataset.checksFor] || [];
      fillChecks(list, items);
      var row = list.closest(".row");
      if (row) { row.classList.toggle("has-problems", items.length > 0); }
    });
    var button = document.getElementById("submit-button");
    if (button && report.submit_label) { button.textContent = report.submit_label; }
    var help = document.getElementById("submit-help");
    if (help) { help.hidden = !report.errors; }
  }

  function resumeSubmit() {
    // The plain form carries every field; it only had to wait for the version number.
    if (!submitPending) { return false; }
    var submitter = pendingSubmitter;
    submitPending = false;
    pendingSubmitter = null;
    if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    return true;
  }

  function retry() {
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
    setStatus("Not saved — retrying in " + Math.round(retryDelay / 1000) + " s", "not-saved");
    schedule(retryDelay);
  }

  function labelFor(key) {
    var el = null;
    if (key.indexOf("b:") === 0) { el = form.querySelector('[data-block="' + key.slice(2) + '"][data-part="text"]'); }
    else if (key.indexOf("f:") === 0) { el = form.querySelector('[data-field="' + key.slice(2) + '"]'); }
    if (el && el.id) {
      var label = form.querySelector('label[for="' + el.id + '"]');
      if (label) { return label.textContent; }
    }
    return key === "notes" ? "Translator's notes" : key;
  }

  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = text; }
    if (cls) { el.className = cls; }
    parent.appendChild(el);
    return el;
  }

  function showConflict(body, payload) {
    blocked = true;
    submitPending = false;
    // The newer save may be the person's own, from another tab or window: say so, not "someone else".
    var who = body.by_you ? "you saved a newer version in another tab or window" : "someone else saved a newer version";
    setStatus("Not saved — " + who + ". Nothing was overwritten.", "not-saved");
    var current = body.current || {};
    panel.textContent = "";
    add(panel, "h2", body.by_you ? "You saved a newer version in another tab or window" : "Someone else saved a newer version");
    add(panel, "p", (body.message || "") + " Your text stays in the editor until you choose.");
    var pairs = [];
    ["title", "lead", "tags", "byline", "byline_outlet"].forEach(function (name) {
      if (payload[name] !== undefined && payload[name] !== (current[name] || "")) {
        pairs.push(["f:" + name, current[name] || "", payload[name]]);
      }
    });
    Object.keys(payload.blocks || {}).forEach(function (id) {
      var theirs = ((current.blocks || {})[id] || {}).text || "";
      if (theirs !== payload.blocks[id].text) { pairs.push(["b:" + id, theirs, payload.blocks[id].text]); }
    });
    if (payload.notes !== undefined) {
      var theirNotes = (current.notes || []).map(function (n) { return n.text; }).join("\n");
      var myNotes = payload.notes.map(function (n) { return n.text; }).join("\n");
      if (theirNotes !== myNotes) { pairs.push(["notes", theirNotes, myNotes]); }
    }
    pairs.forEach(function (p) {
      var box = add(panel, "div", undefined, "conflict-pair");
      add(box, "h3", labelFor(p[0]));
      add(box, "p", "Their saved text:", "who");
      add(box, "blockquote", p[1] || "(empty)", "theirs");
      add(box, "p", "Your text:", "who");
      add(box, "blockquote", p[2] || "(empty)", "mine");
    });
    var keep = add(panel, "button", "Keep my text (replace theirs)");
    keep.type = "button";
    keep.addEventListener("click", function () {
      basedOnInput.value = body.current_version;
      blocked = false;
      panel.hidden = true;
      panel.textContent = "";
      Object.keys(payload.blocks || {}).forEach(function (id) { dirty["b:" + id] = (dirty["b:" + id] || 0) + 1; });
      ["title", "lead", "tags", "byline", "byline_outlet"].forEach(function (n) { if (payload[n] !== undefined) { dirty["f:" + n] = (dirty["f:" + n] || 0) + 1; } });
      if (payload.notes !== undefined) { dirty.notes = (dirty.notes || 0) + 1; }
      save();
    });
    var reload = add(panel, "button", "Discard mine and load their text", "secondary");
    reload.type = "button";
    reload.addEventListener("click", function () {
      dirty = {};
      window.location.reload();
    });
    panel.hidden = false;
  }

  form.addEventListener("input", function (e) { markDirty(e.target); });
  form.addEventListener("change", function (e) {
    if (e.target.type === "checkbox") { markDirty(e.target); }
  });
  form.addEventListener("focusout", function (e) {
    if (keyOf(e.target) && dirty[keyOf(e.target)]) { save(); }
  });
  // A plain submit (Save, Save version, Submit) carries everything: stop autosaving so the
  // two do not race for the same version.
  form.addEventListener("submit", function (e) {
    if (inFlight) {
      // Posting now would carry the version number the autosave is about to replace.
      e.preventDefault();
      submitPending = true;
      pendingSubmitter = e.submitter || null;
      return;
    }
    blocked = true;
    clearTimeout(timer);
    dirty = {};
  });
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(dirty).length) { e.preventDefault(); e.returnValue = ""; }
  });

  // Translation memory: insert a suggestion into its paragraph with one click.
  document.querySelectorAll("button.tm-insert").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.target);
      if (!target) { return; }
      if (target.value.trim() && !window.confirm("Replace the text you typed with this suggestion?")) { return; }
      target.value = button.dataset.text;
      markDirty(target);
      target.focus();
    });
  });
})();
