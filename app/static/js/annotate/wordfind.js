// "/" finds a word: type its first letters (or a few words) and the caret jumps to the next
// place in the document where they start a word, so any span is a few keys away however long
// the passage. Enter keeps the caret there, ↓/↑ go to the next/previous match, Escape goes back.

import { t } from "../i18n.js";

export class WordFind {
  constructor({ box, input, status, caret, passages, cp }) {
    Object.assign(this, { box, input, status, caret, passages, cp });
    // Case is folded by the text's own language's rules (a Turkish "I" is not an "i").
    this.lang = passages[0]?.el.closest("[lang]")?.lang || undefined;
    this.saved = null;
    input.addEventListener("input", () => this.search(1, true));
    input.addEventListener("keydown", (event) => this.key(event));
    // Gone elsewhere (a click, Tab): the caret goes back, the focus stays where it went.
    input.addEventListener("blur", () => { if (!this.box.hidden) this.close(false, false); });
  }

  open() {
    const { passage, index, anchor, sticky, selected } = this.caret;
    this.saved = { passage: passage || this.passages[0], index, anchor, sticky, selected };
    this.input.value = "";
    this.status.textContent = "";
    this.box.hidden = false;
    this.input.focus();
  }

  close(keep, refocus = true) {
    const saved = this.saved;
    this.box.hidden = true;
    this.saved = null;
    if (!saved) return;
    if (!keep) Object.assign(this.caret, saved);
    else if (this.caret.index >= 0) this.caret.selected = true;
    const passage = this.caret.passage || saved.passage;
    this.caret.enter(passage);
    if (!refocus) {
      this.caret.paint();
      return;
    }
    passage.el.focus({ preventScroll: true });
    if (this.caret.range() && this.caret.selected) this.caret.show();
    else this.caret.paint();
  }

  key(event) {
    if (event.key === "Enter") this.close(true);
    else if (event.key === "Escape") this.close(false);
    else if (event.key === "ArrowDown") this.search(1, false);
    else if (event.key === "ArrowUp") this.search(-1, false);
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  /** Move the caret to the next (or previous) word the typed text starts at. */
  search(direction, fromSaved) {
    const query = this.input.value.trim().toLocaleLowerCase(this.lang);
    const origin = fromSaved ? this.saved : this.caret;
    if (!query || !origin) {
      this.status.textContent = "";
      return;
    }
    const length = [...query].length;
    const first = this.passages.indexOf(origin.passage || this.passages[0]);
    const n = this.passages.length;
    for (let step = 0; step <= n; step++) {
      const pi = (first + direction * step + n * (n + 1)) % n;
      const passage = this.passages[pi];
      const words = this.caret.words(passage);
      const order = [...words.keys()];
      if (direction < 0) order.reverse();
      for (const wi of order) {
        if (step === 0 && (direction > 0 ? wi <= origin.index : wi >= origin.index && origin.index >= 0)) continue;
        if (step === n && (direction > 0 ? wi > origin.index : wi < origin.index)) break;
        const word = words[wi];
        const end = Math.min(word.start + length, passage.end);
        if (this.cp.slice(word.start, end).toLocaleLowerCase(this.lang) !== query) continue;
        // Not yet the browser's selection: that would take the typing out of the find box.
        this.caret.placeAt(passage, word.start, { select: false });
        const index = Number(passage.el.dataset.index) + 1;
        this.status.textContent = t("Passage {number}: {word}", { number: index, word: this.cp.slice(word.start, word.end) });
        return;
      }
    }
    this.status.textContent = t("No match");
  }
}
