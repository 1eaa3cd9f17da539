// The annotation page: wires the text, the store, the panels and the keyboard together.

import {
  clearSpanPanel,
  fillSpanPanel,
  readAttributes,
  readRatingForm,
  renderGuidelines,
  renderKeyLegend,
  renderRatingForm,
  showLabelMenu,
  showTooltip,
} from "./panel.js";
import { renderNotSaved } from "./notsaved.js";
import { Renderer } from "./render.js";
import { Store } from "./store.js";
import { CodepointText, trimRange } from "./text.js";

const data = JSON.parse(document.getElementById("annotate-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const cp = new CodepointText(data.document.text);
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
  cp, passages, store, labels, getLayer: () => activeLayer, getSelected: () => selectedId,
});

// --- drawing ---------------------------------------------------------------------------------

function updateProgress() {
  const tagged = passages.filter((p) => store.tags.has(p.id)).length;
  $("progress-text").textContent = `${tagged} of ${passages.length} passages tagged · ${store.spans.size} spans`;
  const done = $("done-toggle");
  done.setAttribute("aria-pressed", String(store.done));
  // A student's submission is locked until the teacher reopens it (the server says 423).
  const locked = Boolean(data.submission_locks && store.done);
  done.textContent = locked ? "Submitted ✓" : store.done ? "Done ✓ (reopen)" : "Mark done";
  done.disabled = locked;
  $("locked-note").hidden = !locked;
  $("undo").disabled = store.undoStack.length === 0;
}

function setLayer(key) {
  if (!layers.has(key)) return;
  activeLayer = key;
  keep("sourcemark:layer", key);
  for (const button of document.querySelectorAll(".layer-button")) {
    button.setAttribute("aria-checked", String(button.dataset.layer === key));
  }
  document.body.dataset.layer = key;
  $("label-menu").hidden = true;
  const selected = renderer.selectionRange();
  renderer.renderAll();
  if (selected) renderer.select(selected); // select, switch layers, then pick the label
}

function openSpan(clientId) {
  if (pendingNote && pendingNote.clientId !== clientId) commitNote();
  const span = store.spans.get(clientId);
  const previous = selectedId && store.spans.get(selectedId);
  selectedId = span ? clientId : null;
  if (previous) renderer.renderRanges([previous]);
  if (!span) {
    clearSpanPanel($("span-form"));
    return;
  }
  renderer.renderRanges([span]);
  showTab("span");
  fillSpanPanel({ form: $("span-form"), span, layer: layers.get(span.layer), labelOf: (s) => renderer.label(s), cp });
  offerPaste();
}

store.addEventListener("change", (event) => {
  const { spans = [], passages: ids = [], all } = event.detail;
  if (all) renderer.renderAll();
  else {
    renderer.renderRanges(spans);
    for (const id of ids) if (passageById.has(id)) renderer.renderTag(passageById.get(id));
  }
  if (selectedId) {
    if (store.spans.has(selectedId)) openSpan(selectedId);
    else openSpan(null);
  }
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

store.addEventListener("refused", (event) => {
  if (event.detail.op.kind === "done" || event.detail.op.kind === "rating") showTab("rating");
});

store.addEventListener("rating", () => renderRatingForm($("rating-form"), codebook.document_form, store.rating?.values));

store.addEventListener("conflict", (event) => {
  const { current, mine, keepMine, keepTheirs } = event.detail;
  const box = $("conflict");
  $("conflict-text").textContent = current
    ? "This was changed in another tab or window after you opened it. Which version do you keep?"
    : "This was deleted in another tab or window. Keep your version (it is made again), or let it go?";
  const show = (value) => (value ? JSON.stringify(value.values || { label: value.label, note: value.note, text: value.text }, null, 1) : "(deleted)");
  $("conflict-mine").textContent = show(mine);
  $("conflict-theirs").textContent = show(current);
  box.hidden = false;
  $("conflict-keep-mine").onclick = () => { box.hidden = true; keepMine(); };
  $("conflict-keep-theirs").onclick = () => { box.hidden = true; keepTheirs(); };
  $("conflict-keep-mine").focus();
});

// --- creating spans and tags -----------------------------------------------------------------

function createFromSelection(labelKey) {
  const range = renderer.selectionRange();
  if (!range) return false;
  const [start, end] = trimRange(cp, range.start, range.end);
  if (end <= start) return false;
  const span = store.createSpan({ layer: activeLayer, label: labelKey, start, end, text: cp.slice(start, end) });
  window.getSelection().removeAllRanges();
  $("label-menu").hidden = true;
  openSpan(span.client_id);
  return true;
}

function focusedPassage() {
  const node = document.activeElement?.closest?.(".passage");
  return node ? passageById.get(Number(node.dataset.passageId)) : null;
}

function movePassage(step) {
  const current = focusedPassage();
  const index = current ? passages.indexOf(current) + step : 0;
  const target = passages[Math.max(0, Math.min(passages.length - 1, index))];
  target.el.focus();
  target.el.scrollIntoView({ block: "nearest" });
}

function labelForKey(layerKey, key) {
  return layers.get(layerKey).labels.find((l) => l.active && l.shortcut === key);
}

// --- keyboard --------------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest?.("input, textarea, select");
  if (event.key === "Escape") {
    $("label-menu").hidden = true;
    if (!$("help").hidden) {
      showHelp(false);
      return;
    }
    $("tooltip").hidden = true;
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
  if (event.altKey && /^Digit[1-9]$/.test(event.code)) {
    const layer = codebook.layers[Number(event.code.slice(5)) - 1];
    if (layer) {
      setLayer(layer.key);
      event.preventDefault();
    }
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    if (store.undo()) event.preventDefault();
    updateProgress();
    return;
  }
  if (event.shiftKey && ["ArrowRight", "ArrowLeft"].includes(event.key) && selectByKeyboard(event)) {
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") {
    toggleHelp();
    return;
  }
  const label = event.key.length === 1 ? labelForKey(activeLayer, event.key.toLowerCase()) : null;
  // A label key with text selected marks a span: that comes before any other use of the key.
  if (label && createFromSelection(label.key)) {
    event.preventDefault();
    return;
  }
  if (["j", "ArrowDown"].includes(event.key) && (focusedPassage() || event.key === "j")) {
    movePassage(1);
    event.preventDefault();
    return;
  }
  if (["k", "ArrowUp"].includes(event.key) && (focusedPassage() || event.key === "k")) {
    movePassage(-1);
    event.preventDefault();
    return;
  }
  if (event.key === "Delete" && selectedId) {
    store.deleteSpan(selectedId);
    return;
  }
  if (event.key === "Enter" && event.target.classList?.contains("seg")) {
    openSpan(innermostAt(event.target));
    return;
  }
  const passage = focusedPassage();
  if (activeLayer === "source" && passage) {
    if (event.key === "Backspace") {
      store.setTag(passage.id, null);
      event.preventDefault();
    } else if (label) {
      store.setTag(passage.id, label.key);
      event.preventDefault();
    }
  }
});

// Keyboard selection: on a focused passage, Shift+→/← extends the selection by a character
// (with Ctrl, by a word) from the passage's start, as far as the browser's selection allows.
function selectByKeyboard(event) {
  const selection = window.getSelection();
  const passage = focusedPassage();
  const inside = selection.rangeCount && passagesRoot.contains(selection.anchorNode);
  if (!inside) {
    if (!passage) return false;
    const first = passage.el.querySelector("[data-s]")?.firstChild;
    if (!first) return false;
    selection.collapse(first, 0);
  }
  const direction = event.key === "ArrowRight" ? "forward" : "backward";
  selection.modify("extend", direction, event.ctrlKey ? "word" : "character");
  return true;
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

function keepFocusIn(container, event) {
  const focusable = [...container.querySelectorAll("button, a[href], input, select, textarea")]
    .filter((el) => !el.disabled);
  const first = focusable[0], last = focusable[focusable.length - 1];
  if (!first) return;
  const inside = container.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    last.focus();
    event.preventDefault();
  } else if (!event.shiftKey && (document.activeElement === last || !inside ||
                                 document.activeElement === container)) {
    first.focus();
    event.preventDefault();
  }
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
passagesRoot.addEventListener("mouseup", () => {
  setTimeout(() => {
    const range = renderer.selectionRange();
    if (!range) return;
    const selection = window.getSelection().getRangeAt(0).getBoundingClientRect();
    showLabelMenu($("label-menu"), layers.get(activeLayer), selection, (key) => createFromSelection(key));
  }, 0);
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
document.addEventListener("mousedown", (event) => {
  if (!event.target.closest("#label-menu")) $("label-menu").hidden = true;
});

// --- toolbar and panels ----------------------------------------------------------------------

for (const button of document.querySelectorAll(".layer-button")) {
  button.addEventListener("click", () => setLayer(button.dataset.layer));
}
$("undo").addEventListener("click", () => { store.undo(); updateProgress(); });
$("help-toggle").addEventListener("click", toggleHelp);
$("help-close").addEventListener("click", () => showHelp(false));
$("done-toggle").addEventListener("click", () => {
  commitNote();
  commitRating();
  store.setDone(!store.done);
});

function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".tab-panel")) panel.hidden = panel.dataset.panel !== name;
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
  else if (!store.outbox.length) store.setState("saved", "All changes saved");
}
$("span-note").addEventListener("input", () => {
  if (!selectedId) return;
  pendingNote = { clientId: selectedId, note: $("span-note").value };
  if (store.state !== "signed-out") store.setState("saving", "Saving…");
  clearTimeout(noteTimer);
  noteTimer = setTimeout(commitNote, 500);
});
$("span-note").addEventListener("blur", commitNote);
$("span-delete").addEventListener("click", () => { if (selectedId) store.deleteSpan(selectedId); });

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
  if (copied) button.textContent = `Paste evidence: “${copied.title}” (${copied.document_title})`;
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
  $("copy-evidence").textContent = "Copied: paste it into a claim";
  setTimeout(() => { $("copy-evidence").textContent = "Copy as evidence"; }, 2500);
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
    store.updateSpan(selectedId, { start, end, text: cp.slice(start, end) });
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
  if (store.state !== "signed-out") store.setState("saving", "Saving…");
  clearTimeout(ratingTimer);
  ratingTimer = setTimeout(commitRating, 400);
});
$("rating-form").addEventListener("focusout", commitRating);
window.addEventListener("pagehide", () => {
  commitNote();
  commitRating();
});

// --- start -----------------------------------------------------------------------------------

renderGuidelines($("guide-panel"), codebook);
renderKeyLegend($("help-labels"), codebook);
renderRatingForm($("rating-form"), codebook.document_form, store.rating?.values);
showNotSaved();
setLayer(activeLayer);
updateProgress();
document.body.dataset.ready = "true";
// For benchmarks: milliseconds from navigation until the highlights were drawn.
document.body.dataset.readyMs = String(Math.round(performance.now()));
if (store.outbox.length) {
  store.setState("saving", `Saving ${store.outbox.length} change(s) from before the reload…`);
  store.flush();
}

// Editing the gold key: it is never "done", so the toggle is not offered.
if (data.query) $("done-toggle").hidden = true;
