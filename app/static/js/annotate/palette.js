// The label palette: the active layer's labels, always in view (beside the text on wide
// screens, a bar at the bottom on narrow ones). A click or tap applies a label to what is
// selected: the selected text, or in the source-type layer the selected passages. There the
// choice between tagging the passage and marking a quoted voice inside it is a visible switch,
// never guessed. From the keyboard it is a toolbar: openPalette() moves focus into it, the
// arrow keys move, Enter applies, Escape returns focus to where it was.
//
// The passages the palette tags are "picked": a click or tap on a passage picks it (Ctrl or
// Cmd adds or removes one, Shift picks a run), moving the focus to a passage picks it alone,
// and selecting text picks the passages it touches.

import { nt, t } from "../i18n.js";
import { el } from "./panel.js";
import { labelKey } from "./shortcuts.js";

let palette = null;

/** Move keyboard focus into the palette (on the current label, or the first). */
export function openPalette() {
  palette?.open();
}

/** Leave the palette: focus goes back where it was before openPalette(). */
export function closePalette() {
  palette?.close();
}

/** The palette of the page, made once by main.js. */
export function initPalette(options) {
  palette = new Palette(options);
  return palette;
}

function swatch(color) {
  const dot = el("span", { className: "dot", "aria-hidden": "true" });
  dot.style.backgroundColor = color;
  return dot;
}

function quote(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

export class Palette {
  /**
   * root: the palette element; passages: [{id, start, end, el}]; layers: key -> layer;
   * getLayer(): the active layer's key; selectionRange(): the code-point range of the text
   * selection, or null; textOf(start, end); onMark(labelKey, range): make a span;
   * onTag(passageIds, labelKey): tag passages; isReadOnly().
   */
  constructor({ root, passages, layers, getLayer, selectionRange, textOf, onMark, onTag, isReadOnly }) {
    Object.assign(this, { root, passages, layers, getLayer, selectionRange, textOf, onMark, onTag, isReadOnly });
    this.labelsBox = root.querySelector("#palette-labels");
    this.target = root.querySelector("#palette-target");
    this.modeBox = root.querySelector("#palette-mode");
    this.mode = "passage"; // in the source layer: "passage" (tag) or "voice" (a span)
    this.picked = new Set(); // passage ids
    this.anchor = null; // the passage a Shift-click picks from
    this.offered = null; // the text selection the labels apply to, kept while a label is tapped
    this.holding = false; // a pointer is down on the palette: a collapsing selection stays offered
    this.opener = null;
    this.clicking = false; // a pointer press on a passage: its focus is not a keyboard move
    this.wire();
  }

  wire() {
    // Clicking a label must not take the text selection away (as a mouse press would).
    this.root.addEventListener("mousedown", (event) => { if (event.target.closest("button")) event.preventDefault(); });
    this.root.addEventListener("pointerdown", () => { this.holding = true; });
    this.root.addEventListener("pointercancel", () => { this.holding = false; }); // a swipe along the labels
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      this.holding = false;
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      if (button.dataset.mode) this.setMode(button.dataset.mode);
      else if (button.dataset.label) this.apply(button.dataset.label);
    });
    this.root.addEventListener("keydown", (event) => this.onKey(event));
    this.root.addEventListener("focusin", (event) => {
      if (!this.root.contains(event.relatedTarget) && event.relatedTarget) this.opener = event.relatedTarget;
      this.rove(event.target.closest("button"));
    });
    document.addEventListener("selectionchange", () => this.onSelection());
    document.addEventListener("pointerdown", (event) => {
      // A press in the text starts a new selection (or a tap): the old one is not offered.
      if (!this.root.contains(event.target)) this.offered = null;
    });
    const root = this.passages[0]?.el.parentElement;
    root?.addEventListener("click", (event) => this.onPassageClick(event));
    root?.addEventListener("focusin", (event) => {
      const node = event.target.closest?.(".passage");
      if (node && event.target === node && !this.clicking) this.pick([Number(node.dataset.passageId)]);
    });
    root?.addEventListener("pointerdown", () => { this.clicking = true; });
    root?.addEventListener("mousedown", (event) => {
      // Shift+click picks a run of passages: the browser would extend a text selection instead.
      if (event.shiftKey && this.anchor !== null && this.getLayer() === "source" && this.mode === "passage") event.preventDefault();
    });
    root?.addEventListener("pointerup", () => setTimeout(() => { this.clicking = false; }, 0));
  }

  // --- drawing ---------------------------------------------------------------------------

  /** Draw the active layer's labels (on start and on every layer switch). */
  render() {
    const hadFocus = this.root.contains(document.activeElement);
    const layer = this.layers.get(this.getLayer());
    this.root.setAttribute("aria-label", t("Labels: {layer}", { layer: layer.name }));
    const buttons = layer.labels.filter((l) => l.active).map((label) => {
      const button = el("button", { type: "button", className: "palette-label", dataset: { label: label.key } },
        swatch(label.color), el("span", { className: "palette-name", text: label.name }),
        label.shortcut ? el("kbd", { text: labelKey(label), "aria-hidden": "true" }) : null);
      if (label.shortcut) button.setAttribute("aria-keyshortcuts", labelKey(label));
      button.title = label.definition || label.name;
      return button;
    });
    this.labelsBox.replaceChildren(...buttons);
    this.modeBox.hidden = this.getLayer() !== "source";
    this.update();
    if (hadFocus) this.labelsBox.querySelector("button")?.focus(); // its button was redrawn
  }

  /** Say what a label would apply to, and mark the buttons' names accordingly. */
  update() {
    const layer = this.getLayer();
    const range = this.currentRange();
    const readOnly = this.isReadOnly();
    const tagging = layer === "source" && this.mode === "passage";
    let text;
    let ready = true;
    if (readOnly) {
      text = t("Submitted: read-only.");
      ready = false;
    } else if (tagging) {
      const ids = this.targetPassages(range);
      if (ids.length === 1) text = t("Tag passage {number} as:", { number: this.numberOf(ids[0]) });
      else if (ids.length > 1) text = nt("Tag {n} passage as:", "Tag {n} passages as:", ids.length);
      else {
        text = t("Tap or click a passage, then a source type.");
        ready = false;
      }
    } else if (range) {
      const what = quote(this.textOf(range.start, range.end));
      text = layer === "source" ? t("Mark “{words}” as a quoted voice of:", { words: what }) : t("Mark “{words}” as:", { words: what });
    } else {
      text = layer === "source" ? t("Select the quoted words, then the voice's source type.") : t("Select some text, then a label.");
      ready = false;
    }
    this.target.textContent = text;
    for (const button of this.modeBox.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === this.mode));
      button.disabled = readOnly;
    }
    for (const button of this.labelsBox.querySelectorAll("button")) {
      button.setAttribute("aria-disabled", String(!ready));
    }
    for (const passage of this.passages) passage.el.classList.toggle("picked", layer === "source" && this.picked.has(passage.id));
    this.rove();
  }

  numberOf(passageId) {
    return this.passages.findIndex((p) => p.id === passageId) + 1;
  }

  // --- what a label applies to ---------------------------------------------------------------

  currentRange() {
    return this.selectionRange() || this.offered;
  }

  /** Passages a source type goes to: those the selected text touches, else the picked ones. */
  targetPassages(range) {
    if (range) return this.passages.filter((p) => p.start < range.end && p.end > range.start).map((p) => p.id);
    return this.passages.filter((p) => this.picked.has(p.id)).map((p) => p.id);
  }

  setMode(mode) {
    this.mode = mode;
    this.update();
  }

  /** Apply a label to the current target; returns what was done, or null. */
  apply(labelKey) {
    if (this.isReadOnly()) return null;
    const layer = this.getLayer();
    const range = this.currentRange();
    let done = null;
    if (layer === "source" && this.mode === "passage") {
      const ids = this.targetPassages(range);
      if (ids.length) {
        this.onTag(ids, labelKey);
        if (range) this.pick(ids);
        done = "tag";
      }
    } else if (range) {
      this.onMark(labelKey, range);
      done = "mark";
    }
    if (done) {
      this.offered = null;
      window.getSelection().removeAllRanges();
    }
    this.update();
    return done;
  }

  pick(ids) {
    this.picked = new Set(ids);
    this.anchor = ids.length ? ids[ids.length - 1] : null;
    this.update();
  }

  onPassageClick(event) {
    const node = event.target.closest(".passage");
    if (!node) return;
    const range = this.selectionRange();
    if (range) return; // the selection picks (see onSelection)
    const id = Number(node.dataset.passageId);
    if (event.shiftKey && this.anchor !== null) {
      const a = this.numberOf(this.anchor) - 1, b = this.numberOf(id) - 1;
      const [from, to] = a < b ? [a, b] : [b, a];
      this.picked = new Set(this.passages.slice(from, to + 1).map((p) => p.id));
      this.update();
    } else if (event.ctrlKey || event.metaKey) {
      if (this.picked.has(id)) this.picked.delete(id);
      else this.picked.add(id);
      this.anchor = id;
      this.update();
    } else {
      this.pick([id]);
    }
  }

  onSelection() {
    const range = this.selectionRange();
    if (range) {
      this.offered = range; // long-press handles move it: each change is offered anew
      if (this.getLayer() === "source") this.picked = new Set(this.targetPassages(range));
    } else if (!this.holding) {
      this.offered = null;
    }
    this.update();
  }

  // --- keyboard: a toolbar with one tab stop ------------------------------------------------

  items() {
    return [...this.root.querySelectorAll("button")].filter((b) => !b.disabled && b.getClientRects().length > 0);
  }

  rove(current) {
    const items = this.items();
    const active = current && items.includes(current) ? current
      : items.find((b) => b.tabIndex === 0) || items.find((b) => b.dataset.label) || items[0];
    for (const item of items) item.tabIndex = item === active ? 0 : -1;
  }

  open() {
    if (this.root.contains(document.activeElement)) return;
    this.opener = document.activeElement;
    const items = this.items();
    const first = items.find((b) => b.tabIndex === 0 && b.dataset.label) || items.find((b) => b.dataset.label) || items[0];
    first?.focus();
  }

  close() {
    const back = this.opener && this.opener.isConnected ? this.opener : null;
    this.opener = null;
    if (back) back.focus({ preventScroll: true });
    else document.activeElement?.blur?.();
  }

  onKey(event) {
    const items = this.items();
    const index = items.indexOf(document.activeElement);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next = null;
    if (event.key in moves) next = items[(index + moves[event.key] + items.length) % items.length];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Escape") {
      event.stopPropagation();
      event.preventDefault();
      this.close();
      return;
    } else if (event.key === "Enter" || event.key === " ") {
      const button = document.activeElement.closest("button");
      if (button?.dataset.label) {
        event.preventDefault();
        event.stopPropagation();
        if (this.apply(button.dataset.label)) this.close();
      }
      return; // the mode buttons are plain buttons: Enter and Space press them
    }
    if (next) {
      event.preventDefault();
      event.stopPropagation();
      next.focus();
    }
  }
}
