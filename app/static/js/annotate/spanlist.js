// The spans of the active layer as a list (text, label, note), in text order: each row jumps
// to its span and opens it, or opens it to edit, or deletes it. Drawn only while its tab is
// open, a page of rows at a time, so a thousand spans cost nothing until someone looks.

import { nt, t } from "../i18n.js";
import { el } from "./panel.js";

const PAGE = 100;

export class SpanList {
  constructor({ root, summary, more, store, cp, labelOf, getLayer, layerName, onJump, onEdit, onDelete }) {
    Object.assign(this, { root, summary, more, store, cp, labelOf, getLayer, layerName, onJump, onEdit, onDelete });
    this.visible = false;
    this.shown = PAGE;
    this.frame = null;
    root.addEventListener("click", (event) => this.click(event));
    more.addEventListener("click", () => {
      this.shown += PAGE;
      this.render();
      this.root.children[this.shown - PAGE]?.querySelector("button")?.focus();
    });
    store.addEventListener("change", () => this.schedule());
  }

  setVisible(visible) {
    this.visible = visible;
    if (visible) this.render();
  }

  /** Layer switched: start again from the first page. */
  reset() {
    this.shown = PAGE;
    this.schedule();
  }

  schedule() {
    if (!this.visible || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  spans() {
    const layer = this.getLayer();
    return [...this.store.spans.values()].filter((s) => s.layer === layer)
      .sort((a, b) => a.start - b.start || b.end - a.end);
  }

  render() {
    if (!this.visible) return;
    const spans = this.spans();
    const focused = document.activeElement?.closest?.("#span-list li")?.dataset.id;
    const rows = spans.slice(0, this.shown).map((span) => this.row(span));
    this.root.replaceChildren(...rows);
    const name = this.layerName(this.getLayer());
    this.summary.textContent = !spans.length ? t("No spans in {layer} yet.", { layer: name })
      : spans.length > this.shown
        ? nt("{n} span in {layer}, the first {shown} shown.", "{n} spans in {layer}, the first {shown} shown.", spans.length, { layer: name, shown: this.shown })
        : nt("{n} span in {layer}.", "{n} spans in {layer}.", spans.length, { layer: name });
    this.more.hidden = spans.length <= this.shown;
    if (focused) this.root.querySelector(`li[data-id="${CSS.escape(focused)}"] button`)?.focus();
  }

  row(span) {
    const label = this.labelOf(span);
    const text = this.cp.slice(span.start, span.end).replace(/\s+/g, " ");
    const short = text.length > 80 ? `${text.slice(0, 79)}…` : text;
    const dot = el("span", { className: "dot", "aria-hidden": "true" });
    dot.style.backgroundColor = label.color;
    const jump = el("button", { type: "button", className: "span-row-jump", dataset: { action: "jump" } },
      dot, " ", el("span", { className: "span-row-text", text: `“${short}”` }), " ",
      el("span", { className: "span-row-label", text: label.name }),
      span.note ? el("span", { className: "span-row-note", text: " · " + t("note: {note}", { note: span.note }) }) : null,
      span.pending ? el("span", { className: "muted", text: " · " + t("saving…") }) : null);
    return el("li", { dataset: { id: span.client_id } }, jump,
      el("span", { className: "span-row-actions" },
        el("button", { type: "button", className: "link", dataset: { action: "edit" }, "aria-label": t("Edit “{words}”", { words: short }), text: t("Edit") }),
        el("button", { type: "button", className: "link", dataset: { action: "delete" }, "aria-label": t("Delete “{words}”", { words: short }), text: t("Delete") })));
  }

  click(event) {
    const button = event.target.closest("button[data-action]");
    const row = button?.closest("li");
    if (!row) return;
    const id = row.dataset.id;
    const action = button.dataset.action;
    if (action === "jump") this.onJump(id);
    else if (action === "edit") this.onEdit(id);
    else if (action === "delete") {
      // Focus goes on to the next row (or the one before), not back to the top of the page.
      const next = row.nextElementSibling?.dataset.id || row.previousElementSibling?.dataset.id;
      this.onDelete(id);
      this.render();
      const target = next && this.root.querySelector(`li[data-id="${CSS.escape(next)}"] button`);
      (target || this.summary).focus();
    }
  }
}
