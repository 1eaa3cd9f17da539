// Keys by the key pressed, whatever the keyboard layout. A key press matches a shortcut when
// it types the shortcut's letter (lower-cased the page's language's way), or else when it is
// the physical key the shortcut is on (KeyboardEvent.code): with a Russian or Kazakh layout
// the N key types "т" and still tags "n"; with a US layout it tags a label set on "т". One
// exception keeps Latin layouts as their users expect: a Latin letter typed is the letter
// meant (on a French keyboard the key that types "z" is not "w", though it is where a US "w" is).
//
// The server says which physical key each label's shortcut is (`shortcut_code`), and refuses
// two labels on one key. The keys are shown with the layout's letter when the browser tells
// it (navigator.keyboard.getLayoutMap), else as the teacher set them.

const LATIN = /^[a-z]$/;
const PUNCTUATION = { "[": "BracketLeft", "]": "BracketRight", "/": "Slash" };

let layout = null; // physical key code -> what the active layout types there, when known

/** The physical key a Latin letter, digit or the caret's punctuation is on (US layout). */
export function codeOf(char) {
  if (LATIN.test(char)) return `Key${char.toUpperCase()}`;
  if (/^[0-9]$/.test(char)) return `Digit${char}`;
  return PUNCTUATION[char] || null;
}

/** The character a key press types, lower-cased; null for Enter, arrows and the like. */
export function typed(event) {
  const key = event.key || "";
  if ([...key].length !== 1 && !/^\p{L}\p{M}+$/u.test(key)) return null;
  return key.normalize("NFC").toLocaleLowerCase(document.documentElement.lang || undefined);
}

/** Whether a key press is the shortcut `char`, whose physical key is `code`. */
export function pressed(event, char, code = codeOf(char)) {
  const letter = typed(event);
  if (letter !== null && letter === char) return true;
  if (!code || event.code !== code) return false;
  // Shift+/ is "?" (the help), not "/": punctuation goes by its physical key unshifted only.
  if (!/^\p{L}|^\p{Nd}$/u.test(char) && event.shiftKey) return false;
  return !(LATIN.test(letter ?? "") && LATIN.test(char));
}

/** The active label of the layer a key press is the shortcut of, or undefined. */
export function labelForKey(layer, event) {
  const labels = layer.labels.filter((l) => l.active && l.shortcut);
  const letter = typed(event);
  return labels.find((l) => l.shortcut === letter) || labels.find((l) => pressed(event, l.shortcut, l.shortcut_code));
}

/** How to show a key: what the active layout types on its physical key, else as set. */
export function shownKey(char, code = codeOf(char)) {
  const there = code && layout?.get(code);
  if (!there || there === char) return char;
  // A Latin shortcut on a Latin layout is pressed as the letter it is (see pressed()).
  if (LATIN.test(there) && LATIN.test(char)) return char;
  return there;
}

/** A label's key as the active layout shows it. */
export const labelKey = (label) => (label.shortcut ? shownKey(label.shortcut, label.shortcut_code) : "");

/** Read the active layout (where the browser tells it); resolves to whether it changed. */
export async function readLayout() {
  let next = null;
  try {
    // Not offered in every browser, nor in a frame the policy keeps it from.
    if (navigator.keyboard?.getLayoutMap) next = await navigator.keyboard.getLayoutMap();
  } catch {
    next = null;
  }
  const before = layout ? JSON.stringify([...layout]) : null;
  layout = next;
  return (next ? JSON.stringify([...next]) : null) !== before;
}

/** Show the page's own letter and punctuation keys (j, k, [, ], / in the help and the hints)
 *  as the active layout types them. */
export function showPageKeys(root = document) {
  for (const node of root.querySelectorAll("#help kbd, #span-empty kbd, kbd[data-key]")) {
    // The key as written in the page is remembered the first time (the text then changes).
    if (!node.dataset.key && codeOf(node.textContent)) node.dataset.key = node.textContent;
    if (node.dataset.key) node.textContent = shownKey(node.dataset.key);
  }
}
