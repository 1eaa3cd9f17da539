// What just happened, in words, for screen readers: a polite live region of its own (the save
// badge keeps saying whether the work is saved).

let timer = null;

/** Say `message` (a repeated message is said again). */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  clearTimeout(timer);
  region.textContent = "";
  // A change after an empty moment is announced even when the text is the same as before.
  timer = setTimeout(() => { region.textContent = message; }, 30);
}

/** A quotation of marked text, shortened for speech. */
export function quote(text, limit = 60) {
  const flat = text.replace(/\s+/g, " ").trim();
  return `‘${flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat}’`;
}
