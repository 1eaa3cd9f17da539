// The keys of the word caret (caret.js) and what they do on the page: ←/→ by word (the way
// they point: ← is the next word in a right-to-left text), Shift to select, Home/End, [ and ]
// to set the selection's start and end, / to find a word, Enter to open the span the caret is
// in; and the words a screen reader hears as the caret moves.

import { nt, t } from "../i18n.js";
import { announce, quote } from "./announce.js";
import { pressed } from "./shortcuts.js";

export function caretCommands({ caret, wordFind, store, renderer, passages, openSpan, getLayer, focusedPassage }) {
  function caretKey(event) {
    const passage = focusedPassage();
    if (!passage || event.target !== passage.el) return false;
    const extend = event.shiftKey;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      // The arrows go the way they point: in a right-to-left text the next word in reading
      // order is to the left (as the browser's own caret goes).
      const forward = getComputedStyle(passage.el).direction === "rtl" ? "ArrowLeft" : "ArrowRight";
      return caret.move(event.key === forward ? 1 : -1, extend);
    }
    if (event.ctrlKey) return false;
    if (event.key === "Home" || event.key === "End") return caret.edge(event.key === "Home" ? -1 : 1, extend);
    // By the physical key too: a Russian layout types "х" where "[" is, "." where "/" is.
    if (pressed(event, "[")) caret.setStart();
    else if (pressed(event, "]")) caret.setEnd();
    else if (pressed(event, "/")) wordFind.open();
    else if (event.key === "Enter") {
      const range = caret.range();
      const id = range && innermostIn(range);
      if (!id) return false;
      openSpan(id);
      announce(t("Opened {label}: its details are in the side panel", { label: renderer.label(store.spans.get(id)).name }));
    } else return false;
    return true;
  }

  /** What the caret is on, for a screen reader: the words, and the spans around them. */
  function describeCaret(range, text) {
    const around = [...store.spans.values()].filter((s) => s.start <= range.start && s.end >= range.end && s.layer === getLayer());
    const names = around.map((s) => renderer.label(s).name);
    const words = range.count > 1 ? nt("{n} word selected: {words}", "{n} words selected: {words}", range.count, { words: quote(text) }) : text;
    return names.length ? t("{words}, in {labels}", { words, labels: names.join(", ") }) : words;
  }

  /** The innermost span of the active layer (else any layer) around a range. */
  function innermostIn(range) {
    const around = [...store.spans.values()].filter((s) => s.start <= range.start && s.end >= range.end);
    const mine = around.filter((s) => s.layer === getLayer());
    const pool = mine.length ? mine : around;
    if (!pool.length) return null;
    return pool.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a)).client_id;
  }

  /** Show a span in its passage (the caret on its first word) and open it in the panel. */
  function jumpToSpan(clientId) {
    const span = store.spans.get(clientId);
    if (!span) return;
    const passage = passages[Math.max(0, passages.findIndex((p) => p.end > span.start))];
    openSpan(clientId);
    caret.enter(passage);
    passage.el.focus({ preventScroll: true });
    caret.placeAt(passage, span.start, { select: false });
  }

  return { caretKey, describeCaret, jumpToSpan };
}
