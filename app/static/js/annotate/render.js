// Drawing the annotator's spans over the passages, and mapping DOM positions to offsets.
// Text is only ever set through textContent: documents and notes never become markup.

import { t } from "../i18n.js";
import { passageAt, pointLength, segments } from "./text.js";

export function hexToRgba(hex, alpha) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return `rgba(136, 136, 136, ${alpha})`;
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
}

export class Renderer {
  constructor({ cp, passages, store, labels, getLayer, getSelected, layerNames = {} }) {
    this.cp = cp;
    this.passages = passages; // [{id, start, end, el}] in text order
    this.store = store;
    this.labels = labels; // "layer:label" -> label (with name, color, layer)
    this.getLayer = getLayer;
    this.getSelected = getSelected;
    this.layerNames = layerNames;
  }

  label(span) {
    return this.labels.get(`${span.layer}:${span.label}`) || { name: span.label, color: "#888888" };
  }

  /** Spans grouped by the passages they touch. */
  buckets() {
    const byPassage = this.passages.map(() => []);
    for (const span of this.store.spans.values()) {
      const first = Math.max(passageAt(this.passages, span.start), 0);
      for (let i = first; i < this.passages.length && this.passages[i].start < span.end; i++) {
        if (this.passages[i].end > span.start) byPassage[i].push(span);
      }
    }
    return byPassage;
  }

  renderAll() {
    const buckets = this.buckets();
    this.passages.forEach((passage, i) => this.renderPassage(passage, buckets[i]));
  }

  /** Re-draw only the passages that the given ranges touch. */
  renderRanges(ranges) {
    const touched = new Set();
    for (const { start, end } of ranges) {
      const first = Math.max(passageAt(this.passages, start), 0);
      for (let i = first; i < this.passages.length && this.passages[i].start < Math.max(end, start + 1); i++) {
        touched.add(i);
      }
    }
    if (!touched.size) return;
    for (const i of touched) {
      const passage = this.passages[i];
      const spans = [...this.store.spans.values()].filter((s) => s.start < passage.end && s.end > passage.start);
      this.renderPassage(passage, spans);
    }
  }

  renderTag(passage) {
    const label = this.store.tags.get(passage.id);
    const el = passage.el;
    this.renderTagText(passage, label);
    if (label) {
      const info = this.labels.get(`source:${label}`) || { name: label, color: "#888888" };
      el.dataset.tag = label;
      el.dataset.tagName = info.name;
      el.style.borderLeftColor = info.color;
      el.style.setProperty("--tag-color", hexToRgba(info.color, 0.12));
    } else {
      delete el.dataset.tag;
      delete el.dataset.tagName;
      el.style.borderLeftColor = "";
      el.style.removeProperty("--tag-color");
    }
  }

  /** The passage's source type as text (shown, and read by screen readers) at its start. */
  renderTagText(passage, label) {
    let tag = passage.el.firstElementChild?.classList.contains("passage-tag") ? passage.el.firstElementChild : null;
    const wanted = label || this.getLayer() === "source";
    if (!wanted) {
      tag?.remove();
      return;
    }
    if (!tag) {
      tag = document.createElement("span");
      tag.className = "passage-tag";
      tag.dataset.at = passage.start; // a selection that ends in it is at the passage's start
      passage.el.prepend(tag);
    }
    const name = label ? (this.labels.get(`source:${label}`) || { name: label }).name : null;
    const hidden = document.createElement("span");
    hidden.className = "sr-only";
    hidden.textContent = name ? t("Source type:") + " " : t("No source type yet.");
    tag.replaceChildren(hidden, ...(name ? [name] : []));
    tag.classList.toggle("untagged", !name);
  }

  /** Words for screen readers after a span's last piece: its label, layer and note. */
  spanNames(spans, segEnd) {
    const ending = spans.filter((s) => s.end === segEnd);
    if (!ending.length) return null;
    const names = ending.map((s) => {
      const layer = this.layerNames[s.layer] || s.layer;
      return s.note ? t("{label}, {layer}, has a note", { label: this.label(s).name, layer }) : `${this.label(s).name}, ${layer}`;
    });
    const el = document.createElement("span");
    el.className = "sr-only seg-name";
    el.dataset.at = segEnd;
    el.textContent = ` (${names.join("; ")})`;
    return el;
  }

  renderPassage(passage, spans) {
    const layer = this.getLayer();
    const selected = this.getSelected();
    const fragment = document.createDocumentFragment();
    for (const seg of segments(passage.start, passage.end, spans)) {
      const el = document.createElement("span");
      el.dataset.s = seg.start;
      el.dataset.e = seg.end;
      el.textContent = this.cp.slice(seg.start, seg.end);
      if (seg.spans.length) this.decorate(el, seg.spans, layer, selected);
      fragment.appendChild(el);
      const names = seg.spans.length ? this.spanNames(seg.spans, seg.end) : null;
      if (names) fragment.appendChild(names);
    }
    passage.el.replaceChildren(fragment);
    this.renderTag(passage);
  }

  decorate(el, spans, layer, selected) {
    el.classList.add("seg");
    el.dataset.ids = spans.map((s) => s.client_id).join(" ");
    const mine = spans.filter((s) => s.layer === layer);
    const others = spans.length - mine.length;
    if (mine.length) {
      // The innermost (shortest) span of the active layer gives the colour.
      const inner = mine.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a));
      const color = this.label(inner).color;
      el.style.backgroundColor = hexToRgba(color, 0.3);
      el.style.borderBottomColor = color;
      el.classList.add("active-layer");
      if (mine.length > 1) el.classList.add(`stack-${Math.min(mine.length, 3)}`);
    }
    if (others) el.classList.add("other-layer");
    if (spans.some((s) => s.pending)) el.classList.add("pending");
    if (selected && spans.some((s) => s.client_id === selected)) el.classList.add("selected");
  }

  /** Code-point offset of a DOM position inside the passages, or null outside them. */
  offsetOf(node, offset) {
    if (!node) return null;
    // Text for screen readers only (a span's name, the passage's tag) stands at one offset.
    const at = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node)?.closest?.("[data-at]");
    if (at) return Number(at.dataset.at);
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement?.closest("[data-s]");
      if (!seg) return null;
      return Number(seg.dataset.s) + pointLength(node.data.slice(0, offset));
    }
    const el = node;
    if (el.dataset?.s !== undefined) {
      return offset === 0 ? Number(el.dataset.s) : Number(el.dataset.e);
    }
    if (el.id === "passages") {
      // Between passages: snap to the next passage's start (or the last one's end).
      const next = el.children[offset];
      if (next?.dataset.start !== undefined) return Number(next.dataset.start);
      return Number(el.lastElementChild?.dataset.end ?? 0);
    }
    const passageEl = el.closest?.(".passage");
    if (passageEl) {
      const child = passageEl.childNodes[offset];
      if (child?.dataset?.s !== undefined) return Number(child.dataset.s);
      if (child?.dataset?.at !== undefined) return Number(child.dataset.at);
      return Number(passageEl.dataset.end);
    }
    return null;
  }

  /** Select [start, end) in code points: after a new rendering has replaced the nodes the
   *  browser's selection was in. */
  select({ start, end }) {
    const locate = (point) => {
      for (const seg of this.passages[0]?.el.parentElement.querySelectorAll("[data-s]") ?? []) {
        const s = Number(seg.dataset.s);
        if (point < s || point > Number(seg.dataset.e) || !seg.firstChild) continue;
        return [seg.firstChild, this.cp.slice(s, point).length]; // UTF-16 units, as the DOM counts
      }
      return null;
    };
    const from = locate(start);
    const to = locate(end);
    if (!from || !to) return;
    const range = document.createRange();
    range.setStart(...from);
    range.setEnd(...to);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /** The code-point range of the browser's selection, if it lies in the passages. */
  selectionRange() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    const root = this.passages[0]?.el.parentElement;
    if (!root || !root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
    const start = this.offsetOf(range.startContainer, range.startOffset);
    const end = this.offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start, end };
  }
}
