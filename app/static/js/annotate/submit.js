// Submitting a document: a dialog first says what is still missing (passages without a source
// type, required fields of the rating form, claims without the evidence their label asks for)
// and asks to confirm. A student's submission makes the page read-only until a teacher
// reopens it; the page then says so, and every input is disabled.

import { nt, number, t } from "../i18n.js";
import { keepFocusIn } from "./dialogs.js";
import { el } from "./panel.js";

const SHOWN = 8; // items of a kind listed by name; the rest are counted

/** Keys and names of the rating form's required fields still empty. As the server's check
 *  (app/services/ratings.py, missing_required): a justification is needed when reliability
 *  is 1–2 or slant is ±3. */
export function missingRating(form, values = {}) {
  const fields = form?.fields || [];
  const names = Object.fromEntries(fields.map((f) => [f.key, f.name || f.key]));
  const empty = (v) => v === undefined || v === null || v === "";
  const missing = fields.filter((f) => f.required && empty(values[f.key])).map((f) => f.key);
  const { reliability, slant } = values;
  const needsReason = (Number.isInteger(reliability) && reliability <= 2) || (Number.isInteger(slant) && Math.abs(slant) === 3);
  if (needsReason && !values.justification && !missing.includes("justification")) missing.push("justification");
  return missing.map((key) => ({ key, name: names[key] || key.charAt(0).toUpperCase() + key.slice(1) }));
}

/** What the annotator has not done yet: {untagged, rating, evidence}. */
export function missingWork({ passages, store, codebook, labels }) {
  const untagged = codebook.layers.some((l) => l.key === "source") ? passages.filter((p) => !store.tags.has(p.id)) : [];
  const rating = missingRating(codebook.document_form, store.rating?.values);
  const evidence = [...store.spans.values()].filter((span) => {
    const needs = labels.get(`${span.layer}:${span.label}`)?.requires?.evidence_min || 0;
    return (span.attributes?.evidence || []).length < needs;
  }).sort((a, b) => a.start - b.start);
  return { untagged, rating, evidence };
}

function excerpt(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 50 ? `${flat.slice(0, 47)}…` : flat;
}

export class Submit {
  /**
   * locks: a student's submission locks the document; store, passages, codebook, labels, cp:
   * the page's; commit(): save typed text now; actions: {focusPassage(p), openSpan(id),
   * showRating()} for the dialog's links; onLock(locked): the page turns read-only or back.
   */
  constructor({ locks, store, passages, codebook, labels, cp, commit, actions, onLock }) {
    Object.assign(this, { locks, store, passages, codebook, labels, cp, commit, actions, onLock });
    this.button = document.getElementById("done-toggle");
    this.dialog = document.getElementById("submit-dialog");
    this.opener = null;
    this.locked = null;
    this.watcher = null;
    this.button.addEventListener("click", () => this.start());
    document.getElementById("submit-cancel").addEventListener("click", () => this.hide());
    document.getElementById("submit-confirm").addEventListener("click", () => this.confirm());
    this.dialog.addEventListener("keydown", (event) => {
      // Modal: the page's keys wait until it is closed.
      event.stopPropagation();
      if (event.key === "Escape") this.hide();
      else if (event.key === "Tab") keepFocusIn(this.dialog, event);
    });
    store.addEventListener("refused", (event) => {
      if (event.detail.op.kind === "done") this.show(event.detail.message);
    });
  }

  /** The toolbar button and the read-only state follow the store's "done". */
  update() {
    const done = this.store.done;
    const locked = Boolean(this.locks && done);
    if (this.locks) this.button.textContent = locked ? t("Submitted ✓") : t("Submit to teacher");
    else this.button.textContent = done ? t("Done ✓ (reopen)") : t("Mark done");
    this.button.disabled = locked;
    this.button.setAttribute("aria-haspopup", done ? "false" : "dialog");
    if (locked !== this.locked) {
      this.locked = locked;
      document.getElementById("locked-note").hidden = !locked;
      document.body.toggleAttribute("data-readonly", locked);
      this.disableInputs();
      this.onLock(locked);
    }
  }

  /** Disable (or enable) the span panel's and rating form's inputs, and keep them so while
   *  the panels are drawn anew (a span opened, the form reloaded). */
  disableInputs() {
    const forms = ["span-form", "rating-form"].map((id) => document.getElementById(id));
    for (const form of forms) {
      for (const input of form.querySelectorAll("input, select, textarea, button")) input.disabled = this.locked;
    }
    if (!this.watcher) {
      this.watcher = new MutationObserver(() => { if (this.locked) this.disableInputs(); });
      for (const form of forms) this.watcher.observe(form, { childList: true, subtree: true });
    }
  }

  start() {
    this.commit();
    if (this.store.done) {
      if (!this.locks) this.store.setDone(false); // reopening one's own work needs no dialog
      return;
    }
    this.show();
  }

  show(refused = "") {
    const missing = missingWork(this);
    const blocking = missing.rating.length > 0;
    const parts = [];
    if (missing.untagged.length) {
      parts.push(this.item(nt("{n} of {total} passages has no source type:", "{n} of {total} passages have no source type:", missing.untagged.length, { total: number(this.passages.length) }),
        missing.untagged.map((p) => this.link(t("Passage {number}: “{words}”", { number: this.passages.indexOf(p) + 1, words: excerpt(this.cp.slice(p.start, p.end)) }), () => this.actions.focusPassage(p)))));
    }
    if (missing.rating.length) {
      parts.push(this.item(t("The rating form needs: {fields}.", { fields: missing.rating.map((f) => f.name).join(", ") }),
        [this.link(t("Open the rating form"), () => this.actions.showRating())]));
    }
    if (missing.evidence.length) {
      parts.push(this.item(nt("{n} claim needs evidence:", "{n} claims need evidence:", missing.evidence.length),
        missing.evidence.map((span) => {
          const label = this.labels.get(`${span.layer}:${span.label}`)?.name || span.label;
          return this.link(`“${excerpt(this.cp.slice(span.start, span.end))}” (${label})`, () => this.actions.openSpan(span.client_id));
        })));
    }
    const after = this.locks ? t("After you submit, the document is read-only until your teacher reopens it.") : t("You can reopen it later.");
    let summary;
    if (blocking) summary = t("Fill in the rating form first: it is needed to submit.");
    else if (parts.length) summary = [t("Not everything is done yet. You can still submit, or keep working."), after].join(" ");
    else summary = [t("Everything is done: every passage has a source type and the rating form is complete."), after].join(" ");
    document.getElementById("submit-summary").textContent = summary;
    document.getElementById("submit-missing").replaceChildren(...parts);
    const refusal = document.getElementById("submit-refused");
    refusal.textContent = refused ? t("Not submitted: {reason}", { reason: refused }) : "";
    refusal.hidden = !refused;
    const confirm = document.getElementById("submit-confirm");
    confirm.disabled = blocking;
    confirm.textContent = this.locks ? (parts.length ? t("Submit anyway") : t("Submit to teacher")) : (parts.length ? t("Mark done anyway") : t("Mark done"));
    if (this.dialog.hidden) this.opener = document.activeElement;
    this.dialog.hidden = false;
    (blocking ? this.dialog : confirm).focus();
  }

  item(title, links) {
    const shown = links.slice(0, SHOWN).map((link) => el("li", {}, link));
    if (links.length > SHOWN) shown.push(el("li", { className: "muted", text: nt("and {n} more", "and {n} more", links.length - SHOWN) }));
    return el("li", {}, el("span", { text: title }), el("ul", {}, ...shown));
  }

  link(text, action) {
    const button = el("button", { type: "button", className: "link", text });
    button.addEventListener("click", () => {
      this.hide({ restore: false });
      action();
    });
    return button;
  }

  hide({ restore = true } = {}) {
    if (this.dialog.hidden) return;
    this.dialog.hidden = true;
    const back = this.opener;
    this.opener = null;
    if (restore && back?.isConnected && !back.disabled) back.focus();
  }

  confirm() {
    this.commit();
    if (missingWork(this).rating.length) return this.show();
    this.hide({ restore: false });
    this.store.setDone(true);
    // The toolbar button is disabled now: the banner saying what happened takes the focus.
    if (this.locks) document.getElementById("locked-note").focus();
    else this.button.focus();
    return undefined;
  }
}
