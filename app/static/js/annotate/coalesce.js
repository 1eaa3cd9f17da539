// Boundary nudges in quick succession are one change: drawn at once, saved (and undone) as one
// edit once the keys or clicks stop, so History shows one version and not one per nudge.

import { t } from "../i18n.js";

export class EditBurst {
  constructor(store, delay = 700) {
    this.store = store;
    this.delay = delay;
    this.pending = null; // {clientId, changes}
    this.timer = null;
  }

  /** Apply `changes` to a span now; send them with the rest of the burst. */
  update(clientId, changes) {
    const span = this.store.spans.get(clientId);
    if (!span) return;
    if (this.pending && this.pending.clientId !== clientId) this.commit();
    if (!this.pending) {
      this.pending = { clientId, changes: {}, before: {} };
      // One undo step for the whole burst, back to where it started.
      this.store.undoStack.push({ kind: "update", clientId, before: this.pending.before });
    }
    for (const key of Object.keys(changes)) {
      if (!(key in this.pending.before)) this.pending.before[key] = span[key];
    }
    const old = { ...span };
    Object.assign(span, changes);
    Object.assign(this.pending.changes, changes);
    if (this.store.state !== "signed-out") this.store.setState("saving", t("Saving…"));
    this.store.emit("change", { spans: [old, span] });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.commit(), this.delay);
  }

  /** Send the burst now (before an undo, another span, or leaving the page). */
  commit() {
    clearTimeout(this.timer);
    const pending = this.pending;
    this.pending = null;
    if (pending && this.store.spans.has(pending.clientId)) {
      this.store.updateSpan(pending.clientId, pending.changes, { undoable: false });
    }
  }
}
