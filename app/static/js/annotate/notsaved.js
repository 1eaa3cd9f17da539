// Changes the server refused, kept in the browser with what they held (the marked words,
// label, note) until their author dismisses them: nothing refused disappears without a word.

import { t } from "../i18n.js";
import { newClientId } from "./ids.js";

/** A list kept in localStorage (in memory only when storage is full or blocked). */
export function readList(key) {
  try {
    const list = JSON.parse(localStorage.getItem(key) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function writeList(key, list) {
  try {
    if (list.length) localStorage.setItem(key, JSON.stringify(list));
    else localStorage.removeItem(key);
  } catch {
    // Storage full or blocked: the list still lives in memory.
  }
}

export class NotSaved {
  constructor(key) {
    this.key = key;
    this.entries = readList(key);
  }

  /** Keep a refused outbox op; `span` is the span as this tab last had it, if any. */
  add(op, span, message) {
    const entry = { id: newClientId(), kind: op.kind, message, at: new Date().toISOString() };
    if (op.kind === "create" || op.kind === "update" || op.kind === "delete") {
      const held = { ...(op.body || {}), ...(span || {}), ...(op.changes || {}) };
      Object.assign(entry, {
        text: held.text ?? "", layer: held.layer ?? "", label: held.label ?? "", note: held.note ?? "",
        start: held.start, end: held.end,
      });
    } else if (op.kind === "tag") {
      Object.assign(entry, { passageId: op.passageId, label: op.label ?? "" });
    } else if (op.kind === "rating") {
      entry.values = op.values;
    }
    this.entries.push(entry);
    writeList(this.key, this.entries);
  }

  dismiss(id) {
    this.entries = this.entries.filter((entry) => entry.id !== id);
    writeList(this.key, this.entries);
  }
}

function describe(entry, { passages, labels, layerNames }) {
  const when = new Date(entry.at).toLocaleString(document.documentElement.lang || undefined);
  if (entry.kind === "tag") {
    const passage = passages.findIndex((p) => p.id === entry.passageId) + 1;
    const label = entry.label ? labels.get(`source:${entry.label}`)?.name || entry.label : t("(no source type)");
    return t("Passage {number}: source type {label} ({when})", { number: passage, label, when });
  }
  if (entry.kind === "rating") return t("Rating form: {values} ({when})", { values: JSON.stringify(entry.values), when });
  const label = labels.get(`${entry.layer}:${entry.label}`)?.name || entry.label;
  const what = entry.kind === "delete" ? t("Deleting the span") : `${layerNames[entry.layer] || entry.layer}: ${label}`;
  const where = t("{what} on “{words}”", { what, words: entry.text });
  const note = entry.note ? t("note: {note}", { note: entry.note }) : "";
  return `${[where, note].filter(Boolean).join(" — ")} (${when})`;
}

/** Draw the list in `box` (hidden when empty): each entry with Copy and Dismiss. */
export function renderNotSaved(box, notSaved, names, onDismiss) {
  const list = box.querySelector("ul");
  list.replaceChildren(...notSaved.entries.map((entry) => {
    const item = document.createElement("li");
    const text = document.createElement("span");
    text.className = "not-saved-content";
    text.textContent = describe(entry, names);
    const why = document.createElement("span");
    why.className = "muted";
    why.textContent = " " + t("Why: {reason}", { reason: entry.message });
    const copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = t("Copy");
    copy.addEventListener("click", () => {
      window.getSelection().selectAllChildren(text); // copying by hand works too
      navigator.clipboard?.writeText(text.textContent).then(() => { copy.textContent = t("Copied"); }, () => {});
    });
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = t("Dismiss");
    dismiss.addEventListener("click", () => onDismiss(entry.id));
    item.append(text, why, " ", copy, " ", dismiss);
    return item;
  }));
  box.hidden = notSaved.entries.length === 0;
}
