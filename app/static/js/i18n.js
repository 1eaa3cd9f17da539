// The interface's words in the page's language: t("…") and nt("one", "many", n), with {name}
// placeholders. The catalogue is a static JSON file per language (<html data-catalogue>),
// compiled from the same catalogues as the server's pages; a message it lacks stays English.

const root = document.documentElement;
const language = root.lang || "en";
let catalogue = { plural: ["one", "other"], messages: {} };
try {
  const response = await fetch(root.dataset.catalogue, { credentials: "same-origin" });
  if (response.ok) catalogue = await response.json();
} catch {
  // Offline or blocked: English it is.
}
const rules = new Intl.PluralRules(language);

function fill(text, params) {
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
}

/** The message in the page's language. */
export function t(message, params) {
  const found = catalogue.messages[message];
  return fill(typeof found === "string" ? found : message, params);
}

/** The singular or plural message for n (and n as {n} unless params say otherwise). */
export function nt(singular, plural, n, params) {
  const values = { n: n.toLocaleString(language), ...params };
  const found = catalogue.messages[singular];
  if (Array.isArray(found)) {
    const at = catalogue.plural.indexOf(rules.select(n));
    return fill(found[at >= 0 ? at : found.length - 1], values);
  }
  return fill(n === 1 ? singular : plural, values);
}

/** A number written the page's language's way. */
export const number = (n) => Number(n).toLocaleString(language);
