// The annotation page: wires the text, the store, the panels and the keyboard together.

import {
  clearSpanPanel,
  fillSpanPanel,
  readAttributes,
  readRatingForm,
  renderGuidelines,
  renderKeyLegend,
  renderRatingForm,
  showTooltip,
} from "./panel.js";
import { nt, number, t } from "../i18n.js";
import { keepFocusIn } from "./dialogs.js";
import { announce, quote } from "./announce.js";
import { Caret, keepClearOf } from "./caret.js";
import { caretCommands } from "./caretkeys.js";
import { EditBurst } from "./coalesce.js";
import { renderNotSaved } from "./notsaved.js";
import { initPalette, openPalette } from "./palette.js";
import { pageText, spanRows } from "./payload.js";
import { Renderer } from "./render.js";
import { hideSheet, showSheet } from "./sheet.js";
import { labelForKey, pressed, readLayout, showPageKeys } from "./shortcuts.js";
import { Store } from "./store.js";
import { Submit } from "./submit.js";
import { SpanList } from "./spanlist.js";
import { CodepointText, trimRange } from "./text.js";
import { WordFind } from "./wordfind.js";

const data = JSON.parse(document.getElementById("annotate-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
data.document.text = pageText(document.querySelectorAll("#passages .passage"), data.document.gaps);
data.annotations.spans = spanRows(data.annotations.spans);
const cp = new CodepointText(data.document.text);
// The page sends a span's offsets, not its text or author: both are known here.
for (const span of data.annotations.spans) Object.assign(span, { text: cp.slice(span.start, span.end), author: data.user });
const codebook = data.codebook;
const layers = new Map(codebook.layers.map((layer) => [layer.key, layer]));
const layerNames = Object.fromEntries(codebook.layers.map((l) => [l.key, l.name]));
const labels = new Map();
for (const layer of codebook.layers) for (const label of layer.labels) labels.set(`${layer.key}:${label.key}`, label);

const $ = (id) => document.getElementById(id);
const passageEls = [...document.querySelectorAll("#passages .passage")];
const passages = passageEls.map((node) => ({
  id: Number(node.dataset.passageId), start: Number(node.dataset.start), end: Number(node.dataset.end), el: node,
}));
const passageById = new Map(passages.map((p) => [p.id, p]));

// Storage may be blocked (in an LMS's iframe, a third-party frame): then nothing is kept.
function recall(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}
function keep(key, value) {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // blocked: the choice lasts as long as the page
  }
}

let activeLayer = recall("sourcemark:layer") || "source";
if (!layers.has(activeLayer)) activeLayer = codebook.layers[0].key;
let selectedId = null; // client_id of the span open in the panel

const store = new Store({
  api: data.api, csrf, csrfUrl: data.csrf_url, user: data.user, signedInAs: data.signed_in_as,
  documentId: data.document.id, initial: data.annotations, query: data.query,
});
const renderer = new Renderer({
  cp, passages, store, labels, getLayer: () => activeLayer, getSelected: () => selectedId, layerNames,
});
const toolbar = document.querySelector(".annotate-toolbar");
keepClearOf(toolbar);
const caret = new Caret({
  cp, passages, renderer, toolbar,
  onMove: (range, text) => { if ($("word-find").hidden) announce(describeCaret(range, text)); },
});
const wordFind = new WordFind({
  box: $("word-find"), input: $("word-find-input"), status: $("word-find-status"), caret, passages, cp,
});
const burst = new EditBurst(store);
const { caretKey, describeCaret, jumpToSpan } = caretCommands({
  caret, wordFind, store, renderer, passages, openSpan: (id) => openSpan(id), getLayer: () => activeLayer,
  focusedPassage: () => focusedPassage(),
});
const spanList = new SpanList({
  root: $("span-list"), summary: $("span-list-summary"), more: $("span-list-more"), store, cp,
  labelOf: (s) => renderer.label(s), getLayer: () => activeLayer, layerName: (key) => layerNames[key] || key,
  onJump: (id) => jumpToSpan(id), onEdit: (id) => { jumpToSpan(id); $("span-label").focus(); },
  onDelete: (id) => deleteSpan(id),
});
const palette = initPalette({
  root: $("palette"), passages, layers, getLayer: () => activeLayer,
  selectionRange: () => renderer.selectionRange(), textOf: (start, end) => cp.slice(start, end),
  onMark: (labelKey, range) => createFromSelection(labelKey, range),
  onTag: (ids, labelKey) => { for (const id of ids) store.setTag(id, labelKey); },
  isReadOnly: () => store.locked,
});
const submit = new Submit({
  locks: data.submission_locks, store, passages, codebook, labels, cp,
  commit: () => { commitNote(); commitRating(); },
  actions: {
    focusPassage(passage) {
      setLayer("source");
      passage.el.focus({ preventScroll: true });
      passage.el.scrollIntoView({ block: "center" });
    },
    openSpan(clientId) {
      setLayer(store.spans.get(clientId).layer);
      document.querySelector(`#passages .seg[data-ids~="${clientId}"]`)?.scrollIntoView({ block: "center" });
      openSpan(clientId);
    },
    showRating() {
      showTab("rating");
      $("rating-panel").scrollIntoView({ block: "nearest" });
      $("rating-form").querySelector("input, select, textarea")?.focus({ preventScroll: true });
    },
  },
  onLock(locked) {
    store.locked = locked;
    palette.update();
  },
});

// --- drawing ---------------------------------------------------------------------------------

function updateProgress() {
  const tagged = passages.filter((p) => store.tags.has(p.id)).length;
  const done = nt("{tagged} of {n} passage tagged", "{tagged} of {n} passages tagged", passages.length, { tagged: number(tagged) });
  const spans = nt("{n} span", "{n} spans", store.spans.size);
  $("progress-text").textContent = `${done} · ${spans}`;
  submit.update();
  $("undo").disabled = store.locked || store.undoStack.length === 0;
}

function setLayer(key) {
  if (!layers.has(key)) return;
  activeLayer = key;
  keep("sourcemark:layer", key);
  for (const button of document.querySelectorAll(".layer-button")) {
    button.setAttribute("aria-checked", String(button.dataset.layer === key));
  }
  document.body.dataset.layer = key;
  const selected = renderer.selectionRange();
  renderer.renderAll();
  if (selected) renderer.select(selected); // select, switch layers, then pick the label
  palette.render();
  caret.paint();
  spanList.reset();
}

// `reveal`: the annotator asked for this span (clicked, tapped, made it), so the Span tab is
// shown; a refresh after a save never switches the tab. `sheet`: on a narrow screen the panel
// opens over the text (not for a span just made: marking goes on).
function openSpan(clientId, { reveal = true, sheet = reveal } = {}) {
  if (pendingNote && pendingNote.clientId !== clientId) commitNote();
  if (burst.pending && burst.pending.clientId !== clientId) burst.commit();
  const span = store.spans.get(clientId);
  const previous = selectedId && store.spans.get(selectedId);
  selectedId = span ? clientId : null;
  if (previous) renderer.renderRanges([previous]);
  if (!span) {
    clearSpanPanel($("span-form"));
    hideSheet($("side-panel"));
    return;
  }
  renderer.renderRanges([span]);
  if (reveal) showTab("span");
  if (sheet) showSheet($("side-panel"), document.querySelector(`#passages .seg[data-ids~="${clientId}"]`));
  fillSpanPanel({ form: $("span-form"), span, layer: layers.get(span.layer), labelOf: (s) => renderer.label(s), cp });
  offerPaste();
}

store.addEventListener("change", (event) => {
  const { spans = [], passages: ids = [], all } = event.detail;
  // A save acknowledged while text is selected redraws its passage: the selection stays.
  const selection = renderer.selectionRange();
  if (all) renderer.renderAll();
  else {
    renderer.renderRanges(spans);
    for (const id of ids) if (passageById.has(id)) renderer.renderTag(passageById.get(id));
  }
  if (selectedId) {
    // Kept up to date where it is: a save never switches the side panel's tab.
    if (store.spans.has(selectedId)) openSpan(selectedId, { reveal: false });
    else openSpan(null);
  }
  if (selection && !renderer.selectionRange()) renderer.select(selection);
  caret.paint(); // the caret's underline, on the new nodes
  updateProgress();
});

store.addEventListener("state", (event) => {
  const badge = $("save-state");
  badge.dataset.state = event.detail.state;
  badge.textContent = event.detail.message;
  const signedOut = event.detail.state === "signed-out";
  $("signed-out").hidden = !signedOut;
  if (signedOut) $("signed-out-text").textContent = event.detail.message;
});

// Signed in again in another tab: coming back here sends the queue at once.
window.addEventListener("focus", () => store.retryNow());
window.addEventListener("online", () => store.retryNow());
document.addEventListener("visibilitychange", () => { if (!document.hidden) store.retryNow(); });

// Changes the server refused, with what they held: to copy, do again, or dismiss.
const showNotSaved = () => renderNotSaved($("not-saved"), store.notSaved, { passages, labels, layerNames }, (id) => store.dismiss(id));
store.addEventListener("notsaved", showNotSaved);

// Not while an edit waits to be saved: redrawing the form then would drop what was just chosen.
store.addEventListener("rating", () => {
  if (!ratingPending) renderRatingForm($("rating-form"), codebook.document_form, store.rating?.values);
});

store.addEventListener("conflict", (event) => {
  const { current, mine, keepMine, keepTheirs } = event.detail;
  const box = $("conflict");
  $("conflict-text").textContent = current
    ? t("This was changed in another tab or window after you opened it. Which version do you keep?")
    : t("This was deleted in another tab or window. Keep your version (it is made again), or let it go?");
  const show = (value) => (value ? JSON.stringify(value.values || { label: value.label, note: value.note, text: value.text }, null, 1) : t("(deleted)"));
  $("conflict-mine").textContent = show(mine);
  $("conflict-theirs").textContent = show(current);
  box.hidden = false;
  $("conflict-keep-mine").onclick = () => { box.hidden = true; keepMine(); };
  $("conflict-keep-theirs").onclick = () => { box.hidden = true; keepTheirs(); };
  $("conflict-keep-mine").focus();
});

// --- creating spans and tags -----------------------------------------------------------------

function createFromSelection(labelKey, range = renderer.selectionRange()) {
  if (!range) return false;
  const [start, end] = trimRange(cp, range.start, range.end);
  if (end <= start) return false;
  const span = store.createSpan({ layer: activeLayer, label: labelKey, start, end, text: cp.slice(start, end) });
  window.getSelection().removeAllRanges();
  caret.release();
  // In the source layer a marked span is a quoted voice, not the passage's tag: say so.
  const name = renderer.label(span).name;
  announce(activeLayer === "source"
    ? t("Marked {words} as a quoted voice, {label}", { words: quote(span.text), label: name })
    : t("Marked {words} as {label}", { words: quote(span.text), label: name }));
  openSpan(span.client_id, { sheet: false });
  return true;
}

function focusedPassage() {
  const node = document.activeElement?.closest?.(".passage");
  return node ? passageById.get(Number(node.dataset.passageId)) : null;
}

function movePassage(step) {
  const current = focusedPassage();
  const index = current ? passages.indexOf(current) + step : 0;
  caret.focusPassage(passages[Math.max(0, Math.min(passages.length - 1, index))]);
}

// --- keyboard --------------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  // Keys typed into a field (a note, the find box, an editable region) are text, not commands;
  // so are those an input method is still composing.
  const typing = event.target.closest?.("input, textarea, select") || event.target.isContentEditable || event.isComposing;
  if (event.key === "Escape") {
    if (!$("help").hidden) {
      showHelp(false);
      return;
    }
    $("tooltip").hidden = true;
    if (!typing && focusedPassage() && caret.clear()) return;
    if (!typing) openSpan(null);
    return;
  }
  if (!$("help").hidden) {
    // The list is a modal dialog: the page's keys wait until it is closed.
    if (event.key === "?") showHelp(false);
    else if (event.key === "Tab") keepFocusIn($("help"), event);
    return;
  }
  if (typing || !$("conflict").hidden) return;
  // The label palette takes the focus: Alt+L, or the platform's menu keys.
  if ((event.altKey && event.code === "KeyL") || (event.shiftKey && event.key === "F10") || event.key === "ContextMenu") {
    openPalette();
    event.preventDefault();
    return;
  }
  if (event.altKey && /^Digit[1-9]$/.test(event.code)) {
    const layer = codebook.layers[Number(event.code.slice(5)) - 1];
    if (layer) {
      setLayer(layer.key);
      event.preventDefault();
    }
    return;
  }
  if ((event.ctrlKey || event.metaKey) && pressed(event, "z")) {
    burst.commit();
    if (store.undo()) {
      event.preventDefault();
      announce(t("Undone"));
    }
    updateProgress();
    return;
  }
  if (!event.altKey && !event.metaKey && caretKey(event)) {
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") {
    toggleHelp();
    return;
  }
  const label = labelForKey(layers.get(activeLayer), event);
  // A label key with text selected applies the label as the palette shows (in the source
  // layer: a tag or a quoted voice, as its switch says): that comes before any other use.
  if (label && renderer.selectionRange() && palette.apply(label.key)) {
    event.preventDefault();
    return;
  }
  const j = pressed(event, "j"), k = pressed(event, "k");
  if ((j || event.key === "ArrowDown") && (focusedPassage() || j)) {
    movePassage(1);
    event.preventDefault();
    return;
  }
  if ((k || event.key === "ArrowUp") && (focusedPassage() || k)) {
    movePassage(-1);
    event.preventDefault();
    return;
  }
  if (event.key === "Delete" && selectedId) {
    deleteSpan(selectedId);
    return;
  }
  if (event.key === "Enter" && event.target.classList?.contains("seg")) {
    openSpan(innermostAt(event.target));
    return;
  }
  const passage = focusedPassage();
  if (activeLayer === "source" && passage) {
    const position = passages.indexOf(passage) + 1;
    if (event.key === "Backspace") {
      store.setTag(passage.id, null);
      announce(t("Removed the source type of passage {number}", { number: position }));
      event.preventDefault();
    } else if (label) {
      store.setTag(passage.id, label.key);
      announce(t("Tagged passage {number} as {label}", { number: position, label: label.name }));
      event.preventDefault();
    }
  }
});

function deleteSpan(clientId) {
  const span = store.spans.get(clientId);
  if (!span) return;
  store.deleteSpan(clientId);
  announce(t("Deleted {label} on {words}", { label: renderer.label(span).name, words: quote(cp.slice(span.start, span.end)) }));
}

let helpOpener = null;

function showHelp(open) {
  const help = $("help");
  if (open === !help.hidden) return;
  help.hidden = !open;
  $("help-toggle").setAttribute("aria-expanded", String(open));
  if (open) {
    helpOpener = document.activeElement;
    help.focus();
  } else {
    // Back where the reader was, as a dialog does when it closes.
    (helpOpener && helpOpener.isConnected ? helpOpener : $("help-toggle")).focus();
    helpOpener = null;
  }
}

function toggleHelp() {
  showHelp($("help").hidden);
}

// --- mouse -----------------------------------------------------------------------------------

function spansAt(seg) {
  return (seg.dataset.ids || "").split(" ").map((id) => store.spans.get(id)).filter(Boolean);
}

function innermostAt(seg) {
  const spans = spansAt(seg);
  const preferred = spans.filter((s) => s.layer === activeLayer);
  const pool = preferred.length ? preferred : spans;
  if (!pool.length) return null;
  return pool.reduce((a, b) => (b.end - b.start < a.end - a.start ? b : a)).client_id;
}

const passagesRoot = $("passages");
passagesRoot.addEventListener("focusin", (event) => {
  const node = event.target.closest?.(".passage");
  if (node) caret.enter(passageById.get(Number(node.dataset.passageId)));
});
passagesRoot.addEventListener("click", (event) => {
  const seg = event.target.closest(".seg");
  if (seg && window.getSelection().isCollapsed) openSpan(innermostAt(seg));
});
for (const type of ["mouseover", "focusin"]) {
  passagesRoot.addEventListener(type, (event) => {
    const seg = event.target.closest?.(".seg");
    if (seg) showTooltip($("tooltip"), seg, spansAt(seg), (s) => renderer.label(s), layerNames);
  });
}
passagesRoot.addEventListener("mouseout", (event) => {
  if (event.target.closest?.(".seg")) $("tooltip").hidden = true;
});

// --- toolbar and panels ----------------------------------------------------------------------

for (const button of document.querySelectorAll(".layer-button")) {
  button.addEventListener("click", () => setLayer(button.dataset.layer));
}
$("undo").addEventListener("click", () => {
  burst.commit();
  if (store.undo()) announce(t("Undone"));
  updateProgress();
});
$("help-toggle").addEventListener("click", toggleHelp);
$("help-close").addEventListener("click", () => showHelp(false));
$("sheet-close").addEventListener("click", () => openSpan(null));

function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".tab-panel")) panel.hidden = panel.dataset.panel !== name;
  spanList.setVisible(name === "list");
}
for (const tab of document.querySelectorAll('[role="tab"]')) tab.addEventListener("click", () => showTab(tab.dataset.tab));

// Span panel edits: label and attributes save on change; the note as you type (debounced).
$("span-label").addEventListener("change", (event) => {
  if (selectedId) store.updateSpan(selectedId, { label: event.target.value });
});
$("span-attributes").addEventListener("change", () => {
  const span = selectedId && store.spans.get(selectedId);
  if (span) store.updateSpan(selectedId, { attributes: readAttributes($("span-attributes"), span.attributes) });
});
// Typed text waits a moment before it is saved; until then the badge says so, and leaving
// the page saves it at once (the outbox lives in localStorage), so nothing typed is lost.
let pendingNote = null;
let noteTimer = null;
function commitNote() {
  clearTimeout(noteTimer);
  if (!pendingNote) return;
  const { clientId, note } = pendingNote;
  pendingNote = null;
  const span = store.spans.get(clientId);
  if (span && span.note !== note) store.updateSpan(clientId, { note });
  else if (!store.outbox.length) store.setState("saved", t("All changes saved"));
}
$("span-note").addEventListener("input", () => {
  if (!selectedId) return;
  pendingNote = { clientId: selectedId, note: $("span-note").value };
  if (store.state !== "signed-out") store.setState("saving", t("Saving…"));
  clearTimeout(noteTimer);
  noteTimer = setTimeout(commitNote, 500);
});
$("span-note").addEventListener("blur", commitNote);
$("span-delete").addEventListener("click", () => { if (selectedId) deleteSpan(selectedId); });

// Evidence across documents: copy any span, paste it into a claim's evidence list.
const CLIPBOARD = "sourcemark:evidence";
function copiedEvidence() {
  try {
    return JSON.parse(localStorage.getItem(CLIPBOARD) || "null");
  } catch {
    return null;
  }
}
function offerPaste() {
  const button = document.getElementById("paste-evidence");
  const copied = copiedEvidence();
  if (!button) return;
  button.hidden = !copied;
  if (copied) button.textContent = t("Paste evidence: “{words}” ({title})", { words: copied.title, title: copied.document_title });
}
$("copy-evidence").addEventListener("click", () => {
  const span = selectedId && store.spans.get(selectedId);
  if (!span) return;
  const quote = cp.slice(span.start, span.end);
  try {
    localStorage.setItem(CLIPBOARD, JSON.stringify({
      kind: "span", document_id: data.document.id, start: span.start, end: span.end,
      title: quote.length > 120 ? `${quote.slice(0, 117)}…` : quote, document_title: data.document.title,
    }));
  } catch {
    return; // storage blocked (an LMS's iframe): nothing to paste from
  }
  $("copy-evidence").textContent = t("Copied: paste it into a claim");
  setTimeout(() => { $("copy-evidence").textContent = t("Copy as evidence"); }, 2500);
});
$("span-attributes").addEventListener("click", (event) => {
  const span = selectedId && store.spans.get(selectedId);
  if (!span) return;
  const evidence = span.attributes?.evidence || [];
  const spans = evidence.filter((item) => item.kind === "span");
  if (event.target.id === "paste-evidence") {
    const copied = copiedEvidence();
    if (!copied) return;
    const { kind, document_id, start, end, title } = copied;
    if (spans.some((item) => item.document_id === document_id && item.start === start && item.end === end)) return;
    store.updateSpan(selectedId, { attributes: { ...span.attributes, evidence: [...evidence, { kind, document_id, start, end, title }] } });
  } else if (event.target.dataset.removeEvidence !== undefined) {
    const gone = spans[Number(event.target.dataset.removeEvidence)];
    store.updateSpan(selectedId, { attributes: { ...span.attributes, evidence: evidence.filter((item) => item !== gone) } });
  }
});
window.addEventListener("storage", (event) => { if (event.key === CLIPBOARD) offerPaste(); });
for (const button of document.querySelectorAll("[data-bound]")) {
  button.addEventListener("click", () => {
    const span = selectedId && store.spans.get(selectedId);
    if (!span) return;
    let { start, end } = span;
    if (button.dataset.bound === "start") start += Number(button.dataset.delta);
    else end += Number(button.dataset.delta);
    if (start < 0 || end > cp.length || end <= start) return;
    burst.update(selectedId, { start, end, text: cp.slice(start, end) });
  });
}

let ratingTimer = null;
let ratingPending = false;
function commitRating() {
  clearTimeout(ratingTimer);
  if (!ratingPending) return;
  ratingPending = false;
  store.saveRating(readRatingForm($("rating-form")));
}
$("rating-form").addEventListener("input", () => {
  ratingPending = true;
  if (store.state !== "signed-out") store.setState("saving", t("Saving…"));
  clearTimeout(ratingTimer);
  ratingTimer = setTimeout(commitRating, 400);
});
$("rating-form").addEventListener("focusout", commitRating);
window.addEventListener("pagehide", () => {
  burst.commit();
  commitNote();
  commitRating();
});

// --- start -----------------------------------------------------------------------------------

function showKeys() {
  renderGuidelines($("guide-panel"), codebook);
  renderKeyLegend($("help-labels"), codebook);
  showPageKeys();
}
showKeys();
// The keys are shown as the active keyboard layout types them, once the browser has said
// which it is, and again whenever the page comes back (the layout may have been switched).
const relabel = () => readLayout().then((changed) => {
  if (!changed) return;
  showKeys();
  palette.render();
});
relabel();
window.addEventListener("focus", relabel);
renderRatingForm($("rating-form"), codebook.document_form, store.rating?.values);
showNotSaved();
setLayer(activeLayer);
updateProgress();
document.body.dataset.ready = "true";
// For benchmarks: milliseconds from navigation until the highlights were drawn.
document.body.dataset.readyMs = String(Math.round(performance.now()));
if (store.outbox.length) {
  store.setState("saving", nt("Saving {n} change from before the reload…", "Saving {n} changes from before the reload…", store.outbox.length));
  store.flush();
}

// Editing the gold key: it is never "done", so the toggle is not offered.
if (data.query) $("done-toggle").hidden = true;
