// The side panel (span details, guidelines, rating form), the label menu and the tooltip.
// Built with createElement and textContent only.

import { t } from "../i18n.js";
import { hexToRgba } from "./render.js";
import { labelKey } from "./shortcuts.js";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "value") node.value = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "className") node.className = value;
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function swatch(color) {
  const s = el("span", { className: "dot", "aria-hidden": "true" });
  s.style.backgroundColor = color;
  return s;
}

// --- guidelines ------------------------------------------------------------------------------

export function renderGuidelines(container, codebook) {
  const parts = [el("p", { className: "muted", text: t("{name} · codebook version {version}", { name: codebook.name, version: codebook.version }) })];
  for (const layer of codebook.layers) {
    const list = el("dl", { className: "guide-list" });
    for (const label of layer.labels.filter((l) => l.active)) {
      list.append(
        el("dt", {}, swatch(label.color), el("kbd", { text: labelKey(label) }), " ", label.name),
        el("dd", {}, el("p", { text: label.definition }),
          label.example ? el("p", { className: "example", text: `“${label.example}”` }) : null),
      );
    }
    parts.push(el("section", { className: "guide-layer" },
      el("h3", {}, `${layer.name} `, el("kbd", { text: layer.shortcut })), list));
  }
  container.replaceChildren(...parts);
}

export function renderKeyLegend(container, codebook) {
  const [before, after] = t("Every label is also in the palette: click or tap it, or press {key} to go there.").split("{key}");
  const parts = [el("p", {}, before, el("kbd", { text: "Alt+L" }), after ?? "")];
  for (const layer of codebook.layers) {
    const items = layer.labels.filter((l) => l.active).map((label) =>
      el("li", {}, el("kbd", { text: labelKey(label) }), " ", swatch(label.color), " ", label.name));
    parts.push(el("h3", { text: `${layer.name} (${layer.shortcut})` }), el("ul", { className: "legend" }, ...items));
  }
  container.replaceChildren(...parts);
}

// --- the tooltip -----------------------------------------------------------------------------

export function showTooltip(tooltip, target, spans, labelOf, layerNames) {
  const items = spans.map((span) => {
    const label = labelOf(span);
    const author = span.author || t("you");
    const bits = [el("strong", {}, swatch(label.color), " ", label.name),
      el("span", { className: "muted", text: ` ${layerNames[span.layer] || span.layer} · ${author}` })];
    if (span.attributes?.speaker) bits.push(el("div", { text: t("Speaker: {name}", { name: span.attributes.speaker }) }));
    if (span.note) bits.push(el("div", { className: "note", text: span.note }));
    if (span.pending) bits.push(el("div", { className: "muted", text: t("saving…") }));
    return el("li", {}, ...bits);
  });
  tooltip.replaceChildren(el("ul", {}, ...items));
  tooltip.hidden = false;
  const rect = target.getBoundingClientRect();
  tooltip.style.top = `${window.scrollY + rect.bottom + 4}px`;
  tooltip.style.left = `${Math.max(window.scrollX + rect.left, 8)}px`;
}

// --- the span panel --------------------------------------------------------------------------

// Evidence in words (quote and document title, by "document:start:end"), from the page.
let evidenceWords = null;
function evidenceWordsOf(item) {
  if (evidenceWords === null) {
    const node = document.getElementById("evidence-words");
    try {
      evidenceWords = node ? JSON.parse(node.textContent) : {};
    } catch {
      evidenceWords = {};
    }
  }
  return evidenceWords[`${item.document_id}:${item.start}:${item.end}`] || copiedWords(item);
}

// Just pasted: the page has not been reloaded since, so the words come from the copy itself.
function copiedWords(item) {
  try {
    const copied = JSON.parse(localStorage.getItem("sourcemark:evidence") || "null");
    if (copied && copied.document_id === item.document_id && copied.start === item.start && copied.end === item.end) {
      return { quote: copied.title, document_title: copied.document_title };
    }
  } catch {
    // storage blocked: the item's own title will do
  }
  return null;
}

/** An evidence span as words: “the quoted words” in “Document title”. */
export function evidenceText(item) {
  const words = evidenceWordsOf(item);
  if (words) return t("“{quote}” in “{title}”", { quote: words.quote, title: words.document_title });
  if (item.title) return t("“{quote}” in another document of this project", { quote: item.title });
  return t("Words from a document no longer in this project");
}

function attributeInput(def, value) {
  const id = `attr-${def.key}`;
  const name = def.name || def.key.replaceAll("_", " ");
  if (def.type === "enum") {
    const choices = def.choices || def.values.map((v) => ({ value: v, name: v.replaceAll("_", " ") }));
    const select = el("select", { id, dataset: { attr: def.key } },
      el("option", { value: "", text: "—" }),
      ...choices.map((c) => el("option", { value: c.value, text: c.name, selected: c.value === value })));
    return el("label", { for: id }, `${name} `, select);
  }
  if (def.type === "bool") {
    return el("label", { className: "check" }, el("input", { id, type: "checkbox", checked: Boolean(value), dataset: { attr: def.key } }), ` ${name}`);
  }
  if (def.type === "list") {
    const urls = (value || []).filter((item) => item.kind === "url").map((item) => item.url).join("\n");
    const spans = (value || []).filter((item) => item.kind === "span");
    const linked = spans.map((item, index) => el("li", {},
      el("span", { text: evidenceText(item) }),
      " ", el("button", { type: "button", className: "link", dataset: { removeEvidence: String(index) }, text: t("remove") })));
    return el("div", { className: "evidence" },
      el("label", { for: id }, t("Evidence links (one a line)")),
      el("textarea", { id, rows: 2, dataset: { attr: def.key }, value: urls, placeholder: "https://…" }),
      linked.length ? el("ul", { className: "evidence-spans" }, ...linked) : null,
      el("button", { type: "button", id: "paste-evidence", hidden: true }));
  }
  if (def.type === "text" && def.key !== "note") {
    return el("label", { for: id }, `${name} `, el("input", { id, type: "text", maxLength: def.max_length || 300, value: value || "", dataset: { attr: def.key } }));
  }
  return null;
}

export function readAttributes(container, previous) {
  const inputs = [...container.querySelectorAll("[data-attr]")];
  const shown = new Set(inputs.map((input) => input.dataset.attr));
  // Attributes the panel does not show (say, an imported label name) are kept as they are.
  const out = Object.fromEntries(Object.entries(previous || {}).filter(([key]) => !shown.has(key)));
  for (const input of inputs) {
    const key = input.dataset.attr;
    if (input.type === "checkbox") {
      if (input.checked) out[key] = true;
    } else if (input.tagName === "TEXTAREA") {
      const keep = (previous?.[key] || []).filter((item) => item.kind === "span");
      const urls = input.value.split("\n").map((u) => u.trim()).filter(Boolean).map((url) => ({ kind: "url", url }));
      if (keep.length || urls.length) out[key] = [...urls, ...keep];
    } else if (input.value.trim()) {
      out[key] = input.value.trim();
    }
  }
  return out;
}

export function fillSpanPanel({ form, span, layer, labelOf, cp }) {
  form.hidden = false;
  document.getElementById("span-empty").hidden = true;
  const quote = cp.slice(span.start, span.end);
  document.getElementById("span-quote").textContent = quote.length > 400 ? `${quote.slice(0, 400)}…` : quote;
  const select = document.getElementById("span-label");
  const choices = layer.labels.filter((l) => l.active || l.key === span.label);
  select.replaceChildren(...choices.map((l) => el("option", { value: l.key, text: l.active ? l.name : t("{name} (retired)", { name: l.name }), selected: l.key === span.label })));
  const attrs = document.getElementById("span-attributes");
  attrs.replaceChildren(...layer.attributes.filter((d) => d.type !== "derived" && !d.key.startsWith("import_")).map((d) => attributeInput(d, span.attributes?.[d.key])).filter(Boolean));
  const note = document.getElementById("span-note");
  if (document.activeElement !== note) note.value = span.note || "";
  const label = labelOf(span);
  const needs = label.requires?.evidence_min || 0;
  const has = (span.attributes?.evidence || []).length;
  const warning = document.getElementById("span-needs");
  warning.hidden = has >= needs;
  warning.textContent = t("“{label}” needs evidence: add a link, or copy a span (in any document) and paste it here.", { label: label.name });
  const meta = document.getElementById("span-meta");
  meta.replaceChildren(swatch(label.color), ` ${layer.name} · ${spanState(span)}`);
  form.style.borderLeftColor = hexToRgba(label.color, 1);
}

/** Saved or not, in words, with the codebook version the span was marked under. */
export function spanState(span) {
  if (span.pending) return t("saving…");
  return span.codebook_version ? t("saved · marked under codebook version {version}", { version: span.codebook_version }) : t("saved");
}

export function clearSpanPanel(form) {
  form.hidden = true;
  document.getElementById("span-empty").hidden = false;
}

/** A key as words: not_enough_info -> "Not enough info". */
export function humanise(key) {
  const words = String(key).split(".").pop().replace(/[_\s]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : String(key);
}

// --- the rating form -------------------------------------------------------------------------

function scaleField(field, value, poles) {
  const [low, high] = field.scale || [1, 7];
  const name = `rating-${field.key}`;
  const options = [];
  for (let v = low; v <= high; v++) {
    const anchor = field.anchors?.[v] || field.anchors?.[String(v)] || "";
    options.push(el("label", { className: "scale-option", title: anchor },
      el("input", { type: "radio", name, value: String(v), checked: value === v, dataset: { field: field.key, kind: "int" } }),
      el("span", { text: v > 0 && low < 0 ? `+${v}` : String(v) })));
  }
  if (field.allow_value) {
    options.push(el("label", { className: "scale-option" },
      el("input", { type: "radio", name, value: field.allow_value, checked: value === field.allow_value, dataset: { field: field.key } }),
      el("span", { text: t("can't tell") })));
  }
  const parts = [el("legend", { text: field.name + (field.required ? " *" : "") })];
  if (poles) parts.push(el("p", { className: "poles" }, el("span", { text: `${low}: ${poles.negative}` }), el("span", { text: `+${high}: ${poles.positive}` })));
  parts.push(el("div", { className: "scale" }, ...options));
  return el("fieldset", { className: "rating-field" }, ...parts);
}

export function renderRatingForm(form, documentForm, values) {
  const fields = documentForm.fields || [];
  const parts = [];
  for (const field of fields) {
    const value = values?.[field.key];
    if (field.type === "ordinal") parts.push(scaleField(field, value, field.poles));
    else if (field.type === "nominal") {
      parts.push(el("label", { className: "rating-field" }, `${field.name} `,
        el("select", { dataset: { field: field.key } }, el("option", { value: "", text: "—" }),
          ...field.values.map((v) => el("option", { value: v, text: (field.value_names?.[v]) || humanise(v), selected: v === value })))));
    } else if (field.type === "checklist") {
      const rows = field.items.map((item) => el("label", { className: "check-row" },
        el("span", { text: item.text }),
        el("select", { dataset: { field: field.key, item: item.key } }, el("option", { value: "", text: "—" }),
          ...field.values.map((v) => el("option", { value: v, text: v === "na" ? t("n/a") : humanise(v), selected: value?.[item.key] === v })))));
      parts.push(el("fieldset", { className: "rating-field" }, el("legend", { text: field.name }), ...rows));
    } else if (field.type === "text") {
      parts.push(el("label", { className: "rating-field" }, field.name,
        el("textarea", { rows: 3, maxLength: field.max_length || 1000, dataset: { field: field.key }, value: value || "" })));
    }
  }
  parts.push(el("p", { className: "muted", text: t("Saved as you go. Reliability and slant are needed before you mark the document done; a justification too when reliability is 1–2 or slant is ±3.") }));
  form.replaceChildren(...parts);
}

export function readRatingForm(form) {
  const values = {};
  for (const input of form.querySelectorAll("[data-field]")) {
    const key = input.dataset.field;
    if (input.type === "radio") {
      if (input.checked) values[key] = input.dataset.kind === "int" ? Number(input.value) : input.value;
    } else if (input.dataset.item) {
      if (input.value) values[key] = { ...(values[key] || {}), [input.dataset.item]: input.value };
    } else if (input.value.trim()) {
      values[key] = input.value;
    }
  }
  return values;
}
