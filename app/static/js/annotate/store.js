// The annotator's work on one document, saved through the JSON API.
//
// Every action is applied locally at once and queued in an outbox kept in localStorage, so
// nothing is lost on reload or while offline. The outbox is sent in order; failed sends are
// retried with backoff. New spans carry the browser's own client_id, so a retried create never
// makes a second span. Updates and deletes name the version they change; a 409 from the server
// (changed in another tab) is handed to the page to resolve.
//
// Being signed out is never a refusal: the change stays queued and the page asks the user to
// sign in again; the CSRF token of the new session is then fetched and the change resent. A
// change the server does refuse (invalid, forbidden, locked, or a conflict the user settled
// for the stored version) is kept with its content in a "not saved" list until dismissed.

import { nt, t } from "../i18n.js";
import { mineOf, resolve, sameAsWanted } from "./conflicts.js";
import { newClientId } from "./ids.js";
import { NotSaved, readList, writeList } from "./notsaved.js";

const RETRY_MAX_MS = 30000;
const SIGNED_OUT_RETRY_MS = 3000; // a sign-in in another tab is noticed this soon

export class Store extends EventTarget {
  constructor({ api, csrf, csrfUrl, user, signedInAs, documentId, initial, query = "" }) {
    super();
    this.api = api;
    this.query = query; // "as=gold" when the page edits the gold key
    this.csrf = csrf;
    this.csrfUrl = csrfUrl;
    this.signedInAs = signedInAs; // whose session may send this outbox
    this.freshToken = false; // the CSRF token was just renewed: a second failure waits
    this.key = `sourcemark:outbox:${user}:${documentId}`;
    this.notSaved = new NotSaved(`sourcemark:notsaved:${user}:${documentId}`);
    this.spans = new Map(); // client_id -> span as this tab sees it
    this.tags = new Map(); // passage id -> label as this tab sees it
    this.rating = null; // {values}
    this.done = false;
    this.locked = false; // a submitted student's document: nothing changes until reopened
    // What the server last acknowledged: the versions that writes must name.
    this.known = new Map(); // client_id -> {id, version}
    this.tagVersions = new Map(); // passage id -> version
    this.ratingVersion = null;
    this.undoStack = [];
    this.outbox = readList(this.key);
    this.sending = false;
    this.retryMs = 1000;
    this.wake = null; // cuts the wait before the next retry short (see retryNow)
    this.state = "saved";
    this.reset(initial);
  }

  // --- state -------------------------------------------------------------------------------

  reset(server) {
    // Each span keeps the key this tab knows it by. A client id that changes from before a
    // reload name comes first (the page sends none: it keys saved spans as "s" + id, and the
    // API's full state is fetched before such changes are sent; see needsClientIds).
    const keyOfId = new Map([...this.known].map(([key, { id }]) => [id, key]));
    const named = this.namedClientIds();
    this.spans.clear();
    this.tags.clear();
    this.known.clear();
    this.tagVersions.clear();
    for (const span of server.spans) {
      const key = (named.has(span.client_id) && span.client_id) || keyOfId.get(span.id) || span.client_id || `s${span.id}`;
      this.spans.set(key, { ...span, client_id: key });
      this.known.set(key, { id: span.id, version: span.version });
    }
    // Without client ids, changes from before a reload cannot be matched to saved spans yet.
    this.needsClientIds = server.spans.some((span) => !span.client_id) && named.size > 0;
    for (const tag of server.passage_tags) {
      this.tags.set(tag.passage_id, tag.label);
      this.tagVersions.set(tag.passage_id, tag.version);
    }
    this.rating = server.rating ? { values: { ...server.rating.values } } : null;
    this.ratingVersion = server.rating ? server.rating.version : null;
    this.done = server.done;
    // Work not yet acknowledged (from before a reload, or queued) is applied again on top.
    for (const op of this.outbox) this.applyLocally(op);
  }

  /** The client ids the queued changes name (a span made, changed or deleted). */
  namedClientIds() {
    return new Set(this.outbox.map((op) => op.clientId ?? op.body?.client_id).filter(Boolean));
  }

  applyLocally(op) {
    if (op.kind === "create") {
      if (!this.spans.has(op.body.client_id)) this.spans.set(op.body.client_id, { ...op.body, pending: true });
    } else if (op.kind === "update") {
      const span = this.spans.get(op.clientId);
      if (span) Object.assign(span, op.changes);
    } else if (op.kind === "delete") {
      this.spans.delete(op.clientId);
    } else if (op.kind === "tag") {
      if (op.label) this.tags.set(op.passageId, op.label);
      else this.tags.delete(op.passageId);
    } else if (op.kind === "rating") {
      this.rating = { values: op.values };
    } else if (op.kind === "done") {
      this.done = op.done;
    }
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- actions -----------------------------------------------------------------------------

  createSpan(fields, { undoable = true } = {}) {
    if (this.locked) return null;
    const body = { client_id: newClientId(), note: "", attributes: {}, ...fields };
    const span = { ...body, pending: true };
    this.spans.set(body.client_id, span);
    if (undoable) this.undoStack.push({ kind: "create", clientId: body.client_id });
    this.enqueue({ kind: "create", body });
    this.emit("change", { spans: [span] });
    return span;
  }

  updateSpan(clientId, changes, { undoable = true } = {}) {
    const span = this.spans.get(clientId);
    if (!span || this.locked) return;
    const before = {};
    for (const key of Object.keys(changes)) before[key] = span[key];
    if (undoable) this.undoStack.push({ kind: "update", clientId, before });
    const old = { ...span };
    Object.assign(span, changes);
    this.enqueue({ kind: "update", clientId, changes });
    this.emit("change", { spans: [old, span] });
  }

  deleteSpan(clientId, { undoable = true } = {}) {
    const span = this.spans.get(clientId);
    if (!span || this.locked) return;
    this.spans.delete(clientId);
    if (undoable) this.undoStack.push({ kind: "delete", span: { ...span } });
    this.enqueue({ kind: "delete", clientId });
    this.emit("change", { spans: [span] });
  }

  setTag(passageId, label, { undoable = true } = {}) {
    const before = this.tags.get(passageId) || null;
    if (before === label || this.locked) return;
    if (undoable) this.undoStack.push({ kind: "tag", passageId, before });
    if (label) this.tags.set(passageId, label);
    else this.tags.delete(passageId);
    this.enqueue({ kind: "tag", passageId, label });
    this.emit("change", { passages: [passageId] });
  }

  saveRating(values) {
    if (this.locked) return;
    this.rating = { values };
    // Only the newest form matters: unsent older saves are dropped (not the one in flight).
    this.outbox = this.outbox.filter((op, i) => op.kind !== "rating" || (i === 0 && this.sending));
    this.enqueue({ kind: "rating", values });
  }

  setDone(done) {
    this.done = done;
    this.enqueue({ kind: "done", done });
    this.emit("change", {});
  }

  undo() {
    if (this.locked) return false;
    const action = this.undoStack.pop();
    if (!action) return false;
    if (action.kind === "create") this.deleteSpan(action.clientId, { undoable: false });
    else if (action.kind === "delete") {
      const { start, end, text, layer, label, note, attributes } = action.span;
      this.createSpan({ start, end, text, layer, label, note, attributes }, { undoable: false });
    } else if (action.kind === "update") this.updateSpan(action.clientId, action.before, { undoable: false });
    else if (action.kind === "tag") this.setTag(action.passageId, action.before, { undoable: false });
    return true;
  }

  // --- the outbox --------------------------------------------------------------------------

  saveOutbox() {
    writeList(this.key, this.outbox);
  }

  enqueue(op) {
    // Edits of a span waiting behind another send are one PATCH (one version), not several.
    // The first op may be in flight or held by a conflict, so it is never merged into.
    const last = this.outbox[this.outbox.length - 1];
    if (op.kind === "update" && this.outbox.length > 1 && last.kind === "update" && last.clientId === op.clientId) {
      Object.assign(last.changes, op.changes);
    } else this.outbox.push(op);
    this.saveOutbox();
    // Signed out, the notice stays up: the new change waits with the others.
    if (!["conflict", "signed-out"].includes(this.state)) this.setState("saving", t("Saving…"));
    this.flush();
  }

  setState(state, message = "") {
    this.state = state;
    this.emit("state", { state, message, waiting: this.outbox.length });
  }

  /** Retry at once (the tab is back in view, the network is back). */
  retryNow() {
    this.retryMs = 1000;
    if (this.wake) this.wake();
  }

  async flush() {
    if (this.sending || this.state === "conflict") return;
    this.sending = true;
    let refused = false;
    try {
      while (this.outbox.length) {
        // Changes from before a reload name spans by client ids, which the page left out.
        const outcome = this.needsClientIds && !(await this.reload()) ? "retry" : await this.send(this.outbox[0]);
        if (outcome === "again") continue; // a fresh CSRF token: resend now
        if (outcome === "retry") {
          if (!["error", "signed-out"].includes(this.state)) this.setState("offline", nt("Not saved yet, retrying ({n} waiting)", "Not saved yet, retrying ({n} waiting)", this.outbox.length));
          const limit = this.state === "signed-out" ? SIGNED_OUT_RETRY_MS : RETRY_MAX_MS;
          const wait = Math.min(this.retryMs, limit);
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.wake = () => { clearTimeout(timer); resolve(); };
          });
          this.wake = null;
          this.retryMs = Math.min(this.retryMs * 2, limit);
          continue;
        }
        if (outcome === "wait") return; // a conflict for the annotator to resolve
        refused = refused || outcome === "refused";
        this.retryMs = 1000;
        this.outbox.shift();
        this.saveOutbox();
      }
      if (!refused) this.setState("saved", t("All changes saved"));
    } finally {
      this.sending = false;
    }
    if (refused) await this.reload();
  }

  async request(method, path, body) {
    const url = this.query ? `${this.api}${path}${path.includes("?") ? "&" : "?"}${this.query}` : this.api + path;
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    return { status: response.status, data };
  }

  /** Send one op; returns "ok", "refused", "retry" or "wait". */
  async send(op) {
    let result;
    try {
      result = await this.request(...this.describe(op));
    } catch {
      return "retry"; // network down
    }
    const { status, data } = result;
    if (status >= 500 || status === 429 || status === 408) return "retry";
    if (status === 401) return this.signedOut();
    // The page's token belongs to an earlier session (signed out and in again meanwhile).
    if (status === 400 && data?.error?.code === "csrf_failed") return this.renewToken();
    this.freshToken = false;
    if (status === 409) return this.conflict(op, data?.error?.current ?? null);
    if (status >= 400) {
      const message = data?.error?.message || t("The server refused this change ({status}).", { status });
      this.setState("error", message);
      this.keep(op, message);
      this.emit("refused", { op, message });
      return "refused";
    }
    this.acknowledge(op, data);
    return "ok";
  }

  signedOut(message = "") {
    this.setState("signed-out", message || nt("Signed out: {n} change kept here until you sign in again", "Signed out: {n} changes kept here until you sign in again", this.outbox.length));
    return "retry";
  }

  /** Fetch the CSRF token of the session the browser has now; "again" to resend at once. */
  async renewToken() {
    if (this.freshToken) {
      this.freshToken = false; // renewed already and still refused: wait, then try anew
      return "retry";
    }
    try {
      const response = await fetch(this.csrfUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401) return this.signedOut();
      if (!response.ok) return "retry";
      const { csrf_token: token, username } = await response.json();
      if (this.signedInAs && username !== this.signedInAs) {
        // Someone else signed in on this browser: these changes are not theirs to send.
        return this.signedOut(nt("Signed in as {username}: sign in as {expected} to save {n} change kept here", "Signed in as {username}: sign in as {expected} to save {n} changes kept here", this.outbox.length, { username, expected: this.signedInAs }));
      }
      this.csrf = token;
      this.freshToken = true;
      return "again";
    } catch {
      return "retry"; // network down
    }
  }

  // --- changes the server refused ------------------------------------------------------------

  /** Keep what a refused change held, for its author to see, copy or dismiss. */
  keep(op, message) {
    if (op.kind === "done") return; // nothing typed or marked is lost: the badge says why
    const clientId = op.clientId ?? op.body?.client_id;
    this.notSaved.add(op, clientId && this.spans.get(clientId), message);
    if (op.kind === "create") {
      // Later edits of a span never made would fail too: they are part of this entry.
      this.outbox = this.outbox.filter((other, i) => i === 0 || other.clientId !== clientId);
    }
    this.emit("notsaved", {});
  }

  dismiss(id) {
    this.notSaved.dismiss(id);
    this.emit("notsaved", {});
  }

  describe(op) {
    if (op.kind === "create") return ["POST", "/spans", op.body];
    if (op.kind === "update" || op.kind === "delete") {
      const known = this.known.get(op.clientId) || {};
      if (op.kind === "delete") return ["DELETE", `/spans/${known.id}?version=${known.version}`];
      const body = { version: known.version, ...op.changes };
      const span = this.spans.get(op.clientId);
      if (("start" in body || "end" in body) && span) Object.assign(body, { start: span.start, end: span.end, text: span.text });
      return ["PATCH", `/spans/${known.id}`, body];
    }
    if (op.kind === "tag") {
      const version = this.tagVersions.get(op.passageId) ?? null;
      if (!op.label) return ["DELETE", `/passages/${op.passageId}/tag?version=${version}`];
      return ["PUT", `/passages/${op.passageId}/tag`, { label: op.label, version }];
    }
    if (op.kind === "rating") return ["PUT", "/rating", { values: op.values, version: this.ratingVersion }];
    return ["PUT", "/done", { done: op.done }];
  }

  acknowledge(op, data) {
    if (op.kind === "create" || op.kind === "update") {
      // The key this tab knows the span by: a saved span loaded with the page goes by its id.
      const key = op.kind === "create" ? op.body.client_id : op.clientId;
      this.known.set(key, { id: data.id, version: data.version });
      const span = this.spans.get(key);
      if (span) {
        Object.assign(span, { id: data.id, version: data.version, author: data.author });
        delete span.pending;
        this.emit("change", { spans: [span] });
      }
    } else if (op.kind === "delete") {
      this.known.delete(op.clientId);
    } else if (op.kind === "tag") {
      if (data) this.tagVersions.set(op.passageId, data.version);
      else this.tagVersions.delete(op.passageId);
    } else if (op.kind === "rating") {
      this.ratingVersion = data.version;
    } else if (op.kind === "done") {
      this.done = data.done;
      this.emit("change", {});
    }
  }

  /** The stored state, from the API; false when it could not be had (offline). */
  async reload() {
    try {
      const { status, data } = await this.request("GET", "/annotations");
      if (status === 200) {
        this.reset(data);
        this.emit("change", { all: true });
        this.emit("rating", {});
        return true;
      }
    } catch {
      // Offline: the local state stays as it is.
    }
    return false;
  }

  /** A 409: the stored state differs from what this tab last saw. */
  conflict(op, current) {
    if (sameAsWanted(op, current)) {
      if (current) this.acknowledge(op, current);
      else this.acknowledge(op, null);
      return "ok";
    }
    this.setState("conflict", t("Changed in another tab: choose which version to keep."));
    this.emit("conflict", {
      op,
      current,
      mine: mineOf(op, this.spans),
      keepMine: () => resolve(this, op, current, "mine"),
      keepTheirs: () => resolve(this, op, current, "theirs"),
    });
    return "wait";
  }
}
