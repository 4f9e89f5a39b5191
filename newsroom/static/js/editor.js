/* Side-by-side editor: autosave, Save without reloading, no typed word lost, live checks,
 * conflict panel, translation memory on demand.
 *
 * Progressive enhancement of the plain form in templates/desk/editor.html: without this file
 * the form saves with its buttons (POST and redirect). With it:
 * - changes are sent ~2 s after typing stops and when a field loses focus, to the JSON endpoint
 *   (desk:autosave); Save and Save version post the same form with fetch (Accept: JSON) and the
 *   page stays: the status, the version number and the checks change in place;
 * - every keystroke is kept in this browser (localStorage, one entry per job: the version the
 *   text was typed on and each changed field), cleared field by field once the server confirms
 *   the very text that was sent. After a crash, a reload, a failed save, a logout elsewhere or an
 *   expired session the page offers it back ("You have unsaved text from … Restore / Discard");
 * - a session that ended (the save was sent to the login page) asks for the password in place,
 *   through a small dialog posting to the JSON login endpoint, takes the new CSRF token, and
 *   sends the save again;
 * - a desk briefly unavailable (502/503/504, or no network) is retried with back-off, honouring
 *   Retry-After, showing "Reconnecting…" and then "Saved";
 * - a stale save (HTTP 409) shows both texts and stops autosaving until the person decides.
 */
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form || !window.fetch) { return; }

  var url = form.getAttribute("data-autosave-url");
  var memoryUrl = form.getAttribute("data-memory-url");
  var loginUrl = form.getAttribute("data-login-url");
  var loginPage = form.getAttribute("data-login-page");
  var username = form.getAttribute("data-username") || "";
  var job = form.getAttribute("data-job") || "";
  var basedOnInput = document.getElementById("based-on");
  var statusEl = document.getElementById("save-status");
  var panel = document.getElementById("conflict-panel");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var presenceEl = document.getElementById("presence");
  var tab = presenceEl ? presenceEl.getAttribute("data-tab") || "" : "";  // this page's tab id
  var DELAY = 2000;
  var KEEP_DELAY = 300;  // typing is kept in the browser this soon after a keystroke
  var MAX_RETRY = 60000;
  var FIELDS = ["title", "lead", "tags", "byline", "byline_outlet"];
  var dirty = {};        // key -> generation (incremented on each change)
  var timer = null;
  var inFlight = false;
  var retryDelay = 0;
  var blocked = false;   // after a conflict or refusal: no autosave until the person decides
  var noteSeq = 0;
  var submitPending = false;  // a button was pressed while an autosave was on its way
  var pendingSubmitter = null;
  var waitingForLogin = null;  // the save to send again once the person signed in
  var BLOCK_NAME = /^b-(.+)-(text|omitted|reason|alt)$/;

  // --- status -------------------------------------------------------------------------------
  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "save-status" + (cls ? " " + cls : "");
  }

  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = text; }
    if (cls) { el.className = cls; }
    parent.appendChild(el);
    return el;
  }

  function button(parent, text, cls) {
    var b = add(parent, "button", text, cls);
    b.type = "button";
    return b;
  }

  // --- CSRF: the cookie Django rotates at login wins over the token the page was built with ---
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : csrf;
  }

  function useToken(token) {
    if (!token) { return; }
    csrf = token;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = token; });
  }

  // --- which field is which -------------------------------------------------------------------
  function blockOf(el) {
    var m = BLOCK_NAME.exec(el.name || "");
    return m ? { id: m[1], part: m[2] } : null;
  }

  function keyOf(el) {
    if (el.dataset && el.dataset.field) { return "f:" + el.dataset.field; }
    var b = blockOf(el);
    if (b) { return "b:" + b.id; }
    if (el.classList && (el.classList.contains("note-text") || el.classList.contains("note-new") || el.dataset.noteDelete)) { return "notes"; }
    return null;
  }

  function field(name) { return form.elements.namedItem(name); }

  // --- kept in the browser: one entry per job, the version typed on and each changed field ----
  var storeKey = "desk-draft:" + job;
  var keepTimer = null;

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function readKept() {
    var s = storage();
    if (!s) { return null; }
    try { return JSON.parse(s.getItem(storeKey) || "null"); } catch (e) { return null; }
  }

  function writeKept(entry) {
    var s = storage();
    if (!s) { return; }
    try {
      if (entry && Object.keys(entry.fields).length) { s.setItem(storeKey, JSON.stringify(entry)); }
      else { s.removeItem(storeKey); }
    } catch (e) { /* full or refused: the text stays in its box */ }
  }

  function valueOf(el) { return el.type === "checkbox" ? (el.checked ? "1" : "") : el.value; }

  function namesFor(key) {
    // The form fields that make up one dirty key.
    if (key.indexOf("f:") === 0) { return [key.slice(2)]; }
    if (key.indexOf("b:") === 0) {
      var id = key.slice(2);
      return ["text", "omitted", "reason", "alt"].map(function (p) { return "b-" + id + "-" + p; }).filter(field);
    }
    var names = [];
    form.querySelectorAll("textarea.note-text, textarea.note-new, [data-note-delete]").forEach(function (el) { names.push(el.name); });
    return names;
  }

  function keepNow() {
    clearTimeout(keepTimer);
    var entry = readKept() || { fields: {} };
    entry.version = parseInt(basedOnInput.value, 10);
    entry.at = new Date().toISOString();
    Object.keys(dirty).forEach(function (key) {
      namesFor(key).forEach(function (name) {
        var el = field(name);
        if (el && el.name) { entry.fields[name] = valueOf(el); }
      });
    });
    writeKept(entry);
  }

  function keepSoon() {
    clearTimeout(keepTimer);
    keepTimer = setTimeout(keepNow, KEEP_DELAY);
  }

  function forgetKept(keys) {
    // The server confirmed these keys' text: the browser's copy of them is no longer needed.
    var entry = readKept();
    if (!entry) { return; }
    keys.forEach(function (key) {
      namesFor(key).forEach(function (name) { delete entry.fields[name]; });
    });
    entry.version = parseInt(basedOnInput.value, 10);
    writeKept(entry);
  }

  function offerKept() {
    var entry = readKept();
    if (!entry || !entry.fields) { return; }
    var differs = Object.keys(entry.fields).filter(function (name) {
      var el = field(name);
      return el && el.name && valueOf(el) !== entry.fields[name];
    });
    if (!differs.length) { writeKept(null); return; }
    var box = document.createElement("section");
    box.className = "notice kept-text";
    box.id = "kept-text";
    box.setAttribute("role", "alert");
    var when = entry.at ? new Date(entry.at) : null;
    var since = when && !isNaN(when) ? when.toLocaleString() : "an earlier visit";
    add(box, "h2", "You have unsaved text from " + since);
    var text = differs.length + " box" + (differs.length === 1 ? "" : "es") + " on this page differ from what this browser kept (" +
      differs.map(function (name) { var el = field(name); return el ? labelOf(el) : name; }).slice(0, 5).join("; ") +
      (differs.length > 5 ? "; …" : "") + ").";
    if (entry.version !== parseInt(basedOnInput.value, 10)) {
      text += " The text was saved again since; restoring puts your kept text back into those boxes and saves it over the newer text.";
    }
    add(box, "p", text);
    var restore = button(box, "Restore");
    var discard = button(box, "Discard", "secondary");
    restore.addEventListener("click", function () {
      differs.forEach(function (name) {
        var el = field(name);
        if (!el) { return; }
        if (el.type === "checkbox") { el.checked = entry.fields[name] === "1"; } else { el.value = entry.fields[name]; }
        var key = keyOf(el);
        if (key) { dirty[key] = (dirty[key] || 0) + 1; }
      });
      box.remove();
      setStatus("Restored your unsaved text; saving…", "pending");
      keepNow();
      save();
    });
    discard.addEventListener("click", function () {
      writeKept(null);
      box.remove();
      setStatus("", "");
    });
    form.insertBefore(box, statusEl);
    restore.focus();
  }

  // --- autosave -------------------------------------------------------------------------------
  function markDirty(el) {
    var key = keyOf(el);
    if (!key) { return; }
    dirty[key] = (dirty[key] || 0) + 1;
    keepSoon();
    if (!blocked) { setStatus("Changes not saved yet", "pending"); }
    schedule(DELAY);
  }

  function schedule(ms) {
    if (blocked) { return; }
    clearTimeout(timer);
    timer = setTimeout(save, ms);
  }

  function blockPayload(id) {
    var text = field("b-" + id + "-text");
    var omitted = field("b-" + id + "-omitted");
    var reason = field("b-" + id + "-reason");
    var alt = field("b-" + id + "-alt");
    var payload = {
      text: text ? text.value : "",
      omitted: omitted ? omitted.checked : false,
      reason: reason ? reason.value : ""
    };
    if (alt) { payload.alt = alt.value; }
    ["cite", "credit"].forEach(function (part) {  // a quote's attribution, a picture's photographer
      var el = field("b-" + id + "-" + part);
      if (el) { payload[part] = el.value; }
    });
    return payload;
  }

  function noteAfter(el) {
    if (el.dataset.noteAfter !== undefined) { return el.dataset.noteAfter; }
    return (el.name || "").replace(/^newnote-/, "");
  }

  function notesPayload() {
    var notes = [];
    form.querySelectorAll("textarea.note-text").forEach(function (el) {
      var del = form.querySelector('[data-note-delete="' + el.dataset.noteId + '"]');
      if (del && del.checked) { return; }
      notes.push({ id: el.dataset.noteId, after: noteAfter(el), text: el.value, keep: true });
    });
    form.querySelectorAll("textarea.note-new").forEach(function (el) {
      if (!el.value.trim()) { return; }
      if (!el.dataset.pendingId) { el.dataset.pendingId = "n" + Date.now().toString(36) + (noteSeq++); }
      notes.push({ id: el.dataset.pendingId, after: noteAfter(el), text: el.value, keep: true });
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
      el.dataset.noteAfter = noteAfter(el);
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

  // One request to the desk, whatever it carries: the answer as {status, body, headers}, with
  // status "login" when the session ended (the desk sent it to the login page).
  function send(target, body, headers) {
    var h = { "X-CSRFToken": csrfToken(), "Accept": "application/json", "X-Desk-Tab": tab };
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(target, { method: "POST", credentials: "same-origin", redirect: "manual", headers: h, body: body })
      .then(function (response) {
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          return { status: "login", body: {}, headers: response.headers };
        }
        return response.json().catch(function () { return null; }).then(function (json) {
          // A 403 page that is not the desk's JSON answer is the CSRF check: the session changed.
          if (response.status === 403 && !(json && json.error)) { return { status: "login", body: {}, headers: response.headers }; }
          return { status: response.status, body: json || {}, headers: response.headers };
        });
      });
  }

  function isUnavailable(status) { return status === 502 || status === 503 || status === 504 || status === 0; }

  function retryAfter(headers) {
    var value = headers && headers.get ? headers.get("Retry-After") : null;
    if (!value) { return 0; }
    var seconds = parseInt(value, 10);
    if (!isNaN(seconds)) { return Math.min(seconds * 1000, MAX_RETRY); }
    var at = Date.parse(value);
    return isNaN(at) ? 0 : Math.max(0, Math.min(at - Date.now(), MAX_RETRY));
  }

  function reconnect(headers, again) {
    // The desk is briefly unavailable (no leader, a node restarting, no network): wait and send again.
    retryDelay = retryAfter(headers) || Math.min(retryDelay ? retryDelay * 2 : 1000, 30000);
    setStatus("Reconnecting… your text is kept in this browser; trying again in " + Math.max(1, Math.round(retryDelay / 1000)) + " s", "pending");
    keepNow();
    clearTimeout(timer);
    timer = setTimeout(again, retryDelay);
  }

  function save() {
    clearTimeout(timer);
    if (blocked || waitingForLogin) { return; }
    var keys = Object.keys(dirty);
    if (!keys.length) { return; }
    if (inFlight) { schedule(500); return; }
    var sent = {};
    keys.forEach(function (k) { sent[k] = dirty[k]; });
    var payload = buildPayload(keys);
    inFlight = true;
    if (!retryDelay) { setStatus("Saving…", "pending"); }
    send(url, JSON.stringify(payload), { "Content-Type": "application/json" }).then(function (res) {
      inFlight = false;
      // Only a JSON answer with the new version number confirms the save.
      var confirmed = res.status === 200 && typeof res.body.edit_version === "number";
      if (confirmed) {
        basedOnInput.value = res.body.edit_version;
        if (resumeSubmit()) { return; }
        retryDelay = 0;
        var done = Object.keys(sent).filter(function (k) { return dirty[k] === sent[k]; });
        done.forEach(function (k) { delete dirty[k]; });
        forgetKept(done);
        if (sent.notes !== undefined) { afterNotesSaved(); }
        applyChecks(res.body.checks);
        if (Object.keys(dirty).length) {
          setStatus("Changes not saved yet", "pending");
          schedule(DELAY);
        } else {
          // The desk's clock and zone, formatted by the server: never the browser's own.
          setStatus("Saved at " + (res.body.saved_at_display || ""), "saved");
        }
      } else if (res.status === "login") {
        askToSignIn(save);
      } else if (res.status === 409) {
        showConflict(res.body, payload);
      } else if (res.status === 422) {
        // A text over its limit: refused whole, nothing written; the text stays in its box
        // (still unsaved) and the next change tries again.
        setStatus("Not saved — " + (res.body.message || "a text is too long"), "not-saved");
      } else if (isUnavailable(res.status)) {
        reconnect(res.headers, save);
      } else if (res.status === 200 || res.status === 403 || res.status === 404 || res.status === 400) {
        blocked = true;
        submitPending = false;
        keepNow();
        var reason = res.status === 200 ? "the server did not confirm the save"
          : (res.body.message || "you can no longer edit this text");
        setStatus("Not saved — " + reason + ". Your text stays here and in this browser.", "not-saved");
      } else {
        reconnect(res.headers, save);
      }
    }).catch(function () {
      inFlight = false;
      if (resumeSubmit()) { return; }
      reconnect(null, save);
    });
  }

  // --- Save and Save version: the same form, sent with fetch; the page stays --------------------
  function saveForm(submitter) {
    if (waitingForLogin) { askToSignIn(waitingForLogin); return; }
    var data = new FormData(form);
    if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
    var asVersion = data.get("op") === "version";
    var sentDirty = {};
    Object.keys(dirty).forEach(function (k) { sentDirty[k] = dirty[k]; });
    keepNow();
    clearTimeout(timer);
    inFlight = true;
    if (!retryDelay) { setStatus(asVersion ? "Saving a version…" : "Saving…", "pending"); }
    var again = function () { saveForm(submitter); };
    send(form.action, data).then(function (res) {
      inFlight = false;
      if (res.status === 200 && typeof res.body.edit_version === "number") {
        retryDelay = 0;
        basedOnInput.value = res.body.edit_version;
        var done = Object.keys(sentDirty).filter(function (k) { return dirty[k] === sentDirty[k]; });
        done.forEach(function (k) { delete dirty[k]; });
        forgetKept(done);
        if (!Object.keys(dirty).length) { writeKept(null); }
        afterNotesSaved();
        applyChecks(res.body.checks);
        if (asVersion) { var comment = document.getElementById("version-comment"); if (comment) { comment.value = ""; } }
        setStatus((res.body.message || "Saved.").replace(/\.$/, "") + " at " + (res.body.saved_at_display || ""), "saved");
        if (Object.keys(dirty).length) { schedule(DELAY); }
      } else if (res.status === "login") {
        askToSignIn(again);
      } else if (res.status === 409) {
        showConflict(res.body, buildPayload(Object.keys(sentDirty).length ? Object.keys(sentDirty) : allKeys()));
      } else if (res.status === 422) {
        setStatus("Not saved — " + (res.body.message || "a text is too long"), "not-saved");
      } else if (isUnavailable(res.status)) {
        reconnect(res.headers, again);
      } else if (res.status === 403 || res.status === 400 || res.status === 404) {
        blocked = true;
        setStatus("Not saved — " + (res.body.message || "you can no longer edit this text") + ". Your text stays here and in this browser.", "not-saved");
      } else {
        reconnect(res.headers, again);
      }
    }).catch(function () {
      inFlight = false;
      reconnect(null, again);
    });
  }

  function allKeys() {
    var keys = FIELDS.filter(function (n) { return form.querySelector('[data-field="' + n + '"]'); }).map(function (n) { return "f:" + n; });
    form.querySelectorAll("textarea[data-part=text]").forEach(function (el) { keys.push(keyOf(el)); });
    return keys;
  }

  // --- a session that ended: the password, in place ------------------------------------------------
  var dialog = null;

  function askToSignIn(again) {
    waitingForLogin = again;
    keepNow();
    setStatus("Not saved yet — you were signed out. Your text is kept; sign in again to save it.", "not-saved");
    if (!dialog) { dialog = buildDialog(); }
    dialog.querySelector(".login-error").textContent = "";
    var password = dialog.querySelector("input[type=password]");
    password.value = "";
    if (!dialog.open) {
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }
    (dialog.querySelector("input[name=username]").value ? password : dialog.querySelector("input[name=username]")).focus();
  }

  function buildDialog() {
    var d = document.createElement("dialog");
    d.id = "signin-dialog";
    d.setAttribute("aria-labelledby", "signin-h");
    var f = add(d, "form");
    f.method = "dialog";
    add(f, "h2", "Sign in again to save").id = "signin-h";
    add(f, "p", "Your session ended (you signed out in another tab, or it expired). Nothing you typed is lost: it stays on this page and in this browser, and it is saved as soon as you sign in.");
    var userLabel = add(f, "label", "User name");
    userLabel.htmlFor = "signin-username";
    var user = add(f, "input");
    user.type = "text"; user.name = "username"; user.id = "signin-username"; user.autocomplete = "username"; user.value = username; user.required = true;
    var passLabel = add(f, "label", "Password");
    passLabel.htmlFor = "signin-password";
    var pass = add(f, "input");
    pass.type = "password"; pass.name = "password"; pass.id = "signin-password"; pass.autocomplete = "current-password"; pass.required = true;
    var error = add(f, "p", "", "login-error not-saved");
    error.setAttribute("role", "alert");
    var go = add(f, "button", "Sign in and save");
    go.type = "submit";
    var later = button(f, "Not now", "secondary");
    var page = add(f, "p", "", "muted");
    var link = add(page, "a", "Sign in on the sign-in page in a new tab instead");
    link.href = loginPage;
    link.target = "_blank";
    link.rel = "noopener";
    later.addEventListener("click", function () {
      d.close();
      setStatus("Not saved — you are signed out. Your text is kept in this browser; press Save after signing in.", "not-saved");
      waitingForLogin = null;
    });
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      error.textContent = "";
      go.disabled = true;
      var body = new URLSearchParams();
      body.set("username", user.value);
      body.set("password", pass.value);
      fetch(loginUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" },
        body: body
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) { return { status: response.status, body: json }; });
      }).then(function (res) {
        go.disabled = false;
        if (res.status === 200 && res.body.ok) {
          useToken(res.body.csrf_token || csrfToken());
          pass.value = "";
          d.close();
          var again = waitingForLogin;
          waitingForLogin = null;
          setStatus("Signed in; saving…", "pending");
          if (again) { again(); }
        } else if (res.status === 429 || res.status === 403) {
          error.textContent = res.status === 429 ? "Too many failed attempts: sign-in is paused for a while. Your text stays kept in this browser." : "The sign-in was refused; reload the sign-in page in a new tab.";
        } else {
          error.textContent = res.body.message || "That user name and password did not match.";
          pass.focus();
        }
      }).catch(function () {
        go.disabled = false;
        error.textContent = "The desk did not answer; check the connection and try again. Your text is kept.";
      });
    });
    d.addEventListener("cancel", function () { waitingForLogin = null; });
    document.body.appendChild(d);
    return d;
  }

  // --- checks ---------------------------------------------------------------------------------------
  // The server's checks of the text just saved (the same list Submit is refused on): each
  // paragraph's messages, the title's, the one-line summary (a polite live region) and the
  // Submit button's count change in place. A paragraph's list is made when it first has one.
  function fillChecks(list, items) {
    if (!list) { return; }
    list.textContent = "";
    (items || []).forEach(function (p) { add(list, "li", p.text, "check " + p.severity); });
    list.hidden = !list.children.length;
  }

  function checksList(id) {
    var list = form.querySelector('ul[data-checks-for="' + id + '"]');
    if (list) { return list; }
    var row = document.getElementById("block-" + id);
    var target = row ? row.querySelector(".target") : null;
    if (!target) { return null; }
    list = document.createElement("ul");
    list.className = "checks";
    list.dataset.checksFor = id;
    var number = row.querySelector(".kind");
    list.setAttribute("aria-label", "Checks for paragraph " + (number ? number.textContent.split(" ")[0] : ""));
    var after = target.querySelector(".omit") || target.querySelector("textarea");
    if (after) { after.insertAdjacentElement("afterend", list); } else { target.appendChild(list); }
    return list;
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
    var blocks = report.blocks || {};
    form.querySelectorAll("ul[data-checks-for]").forEach(function (list) {
      if (!blocks[list.dataset.checksFor]) { fillChecks(list, []); markRow(list, false); }
    });
    Object.keys(blocks).forEach(function (id) {
      var list = checksList(id);
      fillChecks(list, blocks[id]);
      if (list) { markRow(list, blocks[id].length > 0); }
    });
    var submitButton = document.getElementById("submit-button");
    if (submitButton && report.submit_label) { submitButton.textContent = report.submit_label; }
    var help = document.getElementById("submit-help");
    if (help) { help.hidden = !report.errors; }
  }

  function markRow(list, has) {
    var row = list.closest(".row");
    if (row) { row.classList.toggle("has-problems", has); }
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

  // --- conflicts --------------------------------------------------------------------------------------
  function labelOf(el) {
    if (el && el.id) {
      var label = form.querySelector('label[for="' + el.id + '"]');
      if (label) { return label.textContent; }
    }
    return el && el.name ? el.name : "";
  }

  function labelFor(key) {
    var el = null;
    if (key.indexOf("b:") === 0) { el = field("b-" + key.slice(2) + "-text"); }
    else if (key.indexOf("f:") === 0) { el = form.querySelector('[data-field="' + key.slice(2) + '"]'); }
    if (el) { return labelOf(el); }
    return key === "notes" ? "Translator's notes" : key;
  }

  function showConflict(body, payload) {
    blocked = true;
    submitPending = false;
    keepNow();
    // The newer save may be the person's own, from another tab or window: say so, not "someone else".
    var who = body.by_you ? "you saved a newer version in another tab or window" : "someone else saved a newer version";
    setStatus("Not saved — " + who + ". Nothing was overwritten.", "not-saved");
    var current = body.current || {};
    panel.textContent = "";
    add(panel, "h2", body.by_you ? "You saved a newer version in another tab or window" : "Someone else saved a newer version");
    add(panel, "p", (body.message || "") + " Your text stays in the editor until you choose.");
    var pairs = [];
    FIELDS.forEach(function (name) {
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
    var keep = button(panel, "Keep my text (replace theirs)");
    keep.addEventListener("click", function () {
      basedOnInput.value = body.current_version;
      blocked = false;
      panel.hidden = true;
      panel.textContent = "";
      Object.keys(payload.blocks || {}).forEach(function (id) { dirty["b:" + id] = (dirty["b:" + id] || 0) + 1; });
      FIELDS.forEach(function (n) { if (payload[n] !== undefined) { dirty["f:" + n] = (dirty["f:" + n] || 0) + 1; } });
      if (payload.notes !== undefined) { dirty.notes = (dirty.notes || 0) + 1; }
      save();
    });
    var reload = button(panel, "Discard mine and load their text", "secondary");
    reload.addEventListener("click", function () {
      dirty = {};
      writeKept(null);
      window.location.reload();
    });
    panel.hidden = false;
  }

  // --- translation memory, asked when the person reaches a paragraph --------------------------------
  var memoryAsked = {};

  function showMemory(id, suggestions) {
    var box = field("b-" + id + "-text");
    if (!box || !suggestions.length) { return; }
    var panelEl = document.createElement("div");
    panelEl.className = "memory";
    panelEl.setAttribute("role", "region");
    // Named by the paragraph ("Paragraph 3"), not by the box's whole label: one label, one box.
    panelEl.setAttribute("aria-label", "Translation memory for " + labelOf(box).replace(/\s*\([^)]*\)\s*$/, ""));
    add(panelEl, "p", "From earlier approved translations:", "muted");
    suggestions.forEach(function (s) {
      var fig = add(panelEl, "figure", undefined, "tm");
      add(fig, "blockquote", s.target_text).lang = form.getAttribute("data-target-lang") || "";
      var caption = add(fig, "figcaption", s.similarity + "% similar to: ");
      add(caption, "span", s.source_text).lang = form.getAttribute("data-source-lang") || "";
      var use = button(fig, "Use this text", "secondary tm-insert");
      use.dataset.target = box.id;
      use.dataset.text = s.target_text;
    });
    var omit = box.parentNode.querySelector(".omit");
    (omit || box).insertAdjacentElement("afterend", panelEl);
  }

  function askMemory(id) {
    if (!memoryUrl || memoryAsked[id]) { return; }
    memoryAsked[id] = true;
    fetch(memoryUrl + "?block=" + encodeURIComponent(id), { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (body) { showMemory(id, body.suggestions || []); })
      .catch(function () { memoryAsked[id] = false; });
  }

  form.addEventListener("focusin", function (e) {
    var b = blockOf(e.target);
    if (b && b.part === "text") { askMemory(b.id); }
  });
  form.addEventListener("click", function (e) {
    var use = e.target.closest ? e.target.closest("button.tm-insert") : null;
    if (!use) { return; }
    var target = document.getElementById(use.dataset.target);
    if (!target) { return; }
    if (target.value.trim() && !window.confirm("Replace the text you typed with this suggestion?")) { return; }
    target.value = use.dataset.text;
    markDirty(target);
    target.focus();
  });

  // --- wiring -------------------------------------------------------------------------------------------
  form.addEventListener("input", function (e) { markDirty(e.target); });
  form.addEventListener("change", function (e) {
    if (e.target.type === "checkbox") { markDirty(e.target); }
  });
  form.addEventListener("focusout", function (e) {
    var key = keyOf(e.target);
    if (key && dirty[key]) { save(); }
  });
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter || null;
    var isSave = submitter && submitter.name === "op" && !submitter.hasAttribute("formaction");
    if (inFlight) {
      // Posting now would carry the version number the autosave is about to replace.
      e.preventDefault();
      submitPending = true;
      pendingSubmitter = submitter;
      return;
    }
    if (isSave && !blocked) {
      // Save and Save version stay on the page.
      e.preventDefault();
      saveForm(submitter);
      return;
    }
    // Submit for review (and a save after a conflict) is the plain form: it carries everything,
    // so stop autosaving and let the page go. The browser's copy stays until the next page
    // load finds the same text saved.
    keepNow();
    blocked = true;
    clearTimeout(timer);
    dirty = {};
  });
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(dirty).length) { keepNow(); e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("online", function () {
    if (retryDelay && Object.keys(dirty).length) { retryDelay = 0; save(); }
  });

  offerKept();
})();
