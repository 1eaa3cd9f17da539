// The keyboard's way through the text: the document is one Tab stop (roving focus between
// passages), and inside the focused passage a word caret moves by word and selects by word.
// The words it selects become the browser's own selection, the one label keys (and any
// other way of applying a label) act on, so the keyboard and the mouse mark spans alike.

// A word: letters, digits and marks, joined by an apostrophe, a hyphen or a dot ("don't",
// "so-called", "U.S"); or an emoji with its joiners and modifiers.
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’.\-][\p{L}\p{N}\p{M}]+)*|\p{Extended_Pictographic}[\u200d\ufe0f\p{Extended_Pictographic}\p{Emoji_Modifier}]*/gu;

/** The words of a passage as code-point ranges [{start, end}] in text order. */
export function wordsOf(cp, passage) {
  const text = cp.slice(passage.start, passage.end);
  const base = cp.toUnit[passage.start];
  const words = [];
  for (const match of text.matchAll(WORD)) {
    const from = base + match.index;
    words.push({ start: cp.toPoint[from], end: cp.toPoint[from + match[0].length] });
  }
  return words;
}

/** Keep every focused or selected thing clear of the sticky toolbar (WCAG 2.4.11): the page
 *  scrolls with a top padding of the toolbar's height, kept up to date as it wraps. */
export function keepClearOf(toolbar) {
  const apply = () => {
    const height = Math.ceil(toolbar.getBoundingClientRect().height);
    document.documentElement.style.scrollPaddingTop = `${height + 8}px`;
    document.documentElement.style.setProperty("--toolbar-height", `${height}px`);
  };
  apply();
  new ResizeObserver(apply).observe(toolbar);
}

/** Scroll the least that shows a rectangle (in viewport coordinates) below the toolbar. */
export function reveal(rect, toolbar) {
  const top = toolbar.getBoundingClientRect().bottom + 8;
  const bottom = window.innerHeight - 8;
  if (rect.top < top) window.scrollBy(0, rect.top - top);
  else if (rect.bottom > bottom) window.scrollBy(0, Math.min(rect.bottom - bottom, rect.top - top));
}

export class Caret {
  constructor({ cp, passages, renderer, toolbar, onMove }) {
    this.cp = cp;
    this.passages = passages;
    this.renderer = renderer;
    this.toolbar = toolbar;
    this.onMove = onMove; // (range, words selected) => void: says where the caret is
    this.cache = new Map(); // passage id -> words
    this.passage = null;
    this.index = -1; // the caret's word; -1: before the first word (nothing chosen yet)
    this.anchor = null; // the other end of a selection of several words
    this.sticky = false; // "[" was pressed: plain moves extend the selection too
    this.selected = false; // the caret's words are the browser's selection
  }

  words(passage = this.passage) {
    if (!passage) return [];
    if (!this.cache.has(passage.id)) this.cache.set(passage.id, wordsOf(this.cp, passage));
    return this.cache.get(passage.id);
  }

  /** The document's one Tab stop moves with the focus. */
  rove(passage) {
    for (const p of this.passages) if (p.el.tabIndex !== -1 && p !== passage) p.el.tabIndex = -1;
    passage.el.tabIndex = 0;
  }

  /** Focus a passage (keeping it clear of the toolbar); the caret starts before its first word. */
  focusPassage(passage) {
    this.enter(passage);
    passage.el.focus({ preventScroll: true });
    passage.el.scrollIntoView({ block: "nearest" }); // within the scroll padding (keepClearOf)
    reveal(passage.el.getBoundingClientRect(), this.toolbar); // and if the toolbar just grew
    // Passages off screen are laid out only when they come near (content-visibility): once the
    // ones around it have their real heights, make sure it is still in view.
    requestAnimationFrame(() => {
      if (this.passage === passage) reveal(passage.el.getBoundingClientRect(), this.toolbar);
    });
  }

  /** The focus came to a passage (by key, click or tap). */
  enter(passage) {
    this.rove(passage);
    if (passage === this.passage) return;
    this.passage = passage;
    this.index = -1;
    this.anchor = null;
    this.sticky = false;
    this.selected = false;
    this.paint();
  }

  /** The code-point range the caret's words cover, or null. */
  range() {
    const words = this.words();
    if (!words.length || this.index < 0) return null;
    const from = Math.min(this.index, this.anchor ?? this.index);
    const to = Math.max(this.index, this.anchor ?? this.index);
    return { start: words[from].start, end: words[to].end, count: to - from + 1 };
  }

  /** One word on (+1) or back (-1); with `extend` (or after "["), the selection follows. */
  move(step, extend = false) {
    const words = this.words();
    if (!words.length) return false;
    if (this.index < 0) {
      this.index = step > 0 ? 0 : words.length - 1;
      this.anchor = extend || this.sticky ? this.index : null;
    } else {
      if ((extend || this.sticky) && this.anchor === null) this.anchor = this.index;
      if (!extend && !this.sticky) this.anchor = null;
      this.index = Math.max(0, Math.min(words.length - 1, this.index + step));
    }
    this.selected = true;
    this.show();
    return true;
  }

  /** To the first (-1) or last (+1) word of the passage. */
  edge(side, extend = false) {
    const words = this.words();
    if (!words.length) return false;
    if ((extend || this.sticky) && this.anchor === null) this.anchor = Math.max(this.index, 0);
    if (!extend && !this.sticky) this.anchor = null;
    this.index = side < 0 ? 0 : words.length - 1;
    this.selected = true;
    this.show();
    return true;
  }

  /** "[": the selection starts at the caret's word; moving the caret then sets its end. */
  setStart() {
    if (!this.words().length) return;
    if (this.index < 0) this.index = 0;
    this.anchor = this.index;
    this.sticky = true;
    this.selected = true;
    this.show();
  }

  /** "]": the selection ends at the caret's word; the caret's next move starts afresh. */
  setEnd() {
    if (this.index < 0) return;
    if (this.anchor === null) this.anchor = this.index;
    this.sticky = false;
    this.selected = true;
    this.show();
  }

  /** Put the caret on the word at a code-point offset of a passage. */
  placeAt(passage, offset, { select = true } = {}) {
    if (this.passage !== passage) {
      this.passage = passage;
      this.rove(passage);
    }
    const words = this.words();
    let index = words.findIndex((w) => w.end > offset);
    if (index < 0) index = words.length - 1;
    this.index = index;
    this.anchor = null;
    this.sticky = false;
    this.selected = select;
    this.show();
  }

  /** The selection was used (a span was marked) or let go: the caret stays, unselected. */
  release() {
    this.anchor = null;
    this.sticky = false;
    this.selected = false;
    this.paint();
  }

  /** Escape: first the selection of several words, then the caret itself. */
  clear() {
    if (this.anchor !== null && this.anchor !== this.index) {
      this.anchor = null;
      this.sticky = false;
      this.show();
      return true;
    }
    if (this.index < 0 && !this.selected) return false;
    this.index = -1;
    this.anchor = null;
    this.sticky = false;
    this.selected = false;
    window.getSelection().removeAllRanges();
    this.paint();
    return true;
  }

  show() {
    const range = this.range();
    if (!range) return;
    if (this.selected) this.renderer.select(range);
    else {
      // An older selection in the text must not be what the next label key marks.
      const selection = window.getSelection();
      if (selection.rangeCount && this.passage.el.parentElement.contains(selection.anchorNode)) selection.removeAllRanges();
    }
    this.paint();
    const rect = this.domRange(range)?.getBoundingClientRect();
    if (rect && (rect.width || rect.height)) reveal(rect, this.toolbar);
    this.onMove?.(range, this.cp.slice(range.start, range.end));
  }

  /** Draw the caret (an underline on its word) again, as after the passage was redrawn. */
  paint() {
    if (!globalThis.CSS?.highlights) return;
    const words = this.words();
    const word = this.index >= 0 ? words[this.index] : null;
    const range = word && this.domRange(word);
    if (range) CSS.highlights.set("word-caret", new Highlight(range));
    else CSS.highlights.delete("word-caret");
  }

  domRange({ start, end }) {
    const locate = (point, after) => {
      for (const seg of this.passage.el.querySelectorAll("[data-s]")) {
        const s = Number(seg.dataset.s), e = Number(seg.dataset.e);
        if (point < s || point > e || (after ? point === s && s !== e : point === e && s !== e) || !seg.firstChild) continue;
        return [seg.firstChild, this.cp.slice(s, point).length];
      }
      return null;
    };
    const from = locate(start, false);
    const to = locate(end, true);
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(...from);
    range.setEnd(...to);
    return range;
  }
}
