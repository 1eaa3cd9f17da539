// The side panel as a bottom sheet on narrow screens (the CSS makes it one): opened when the
// annotator opens a span, with the span scrolled clear of it, so nothing is edited blind.

/** Open the panel as a sheet and keep `anchor` (the span's text) in view above it. */
export function showSheet(panel, anchor) {
  panel.classList.add("sheet-open");
  if (getComputedStyle(panel).position !== "fixed") return; // a wide screen: a side panel
  document.getElementById("tooltip").hidden = true; // the sheet says all it says, and more
  const top = panel.getBoundingClientRect().top;
  // Room to scroll the last passage above the sheet.
  panel.closest("main").style.paddingBottom = `${Math.ceil(window.innerHeight - top) + 16}px`;
  // Between the sticky toolbar and the sheet: the span goes just under the toolbar.
  const below = document.querySelector(".annotate-toolbar")?.getBoundingClientRect().bottom ?? 0;
  const rect = anchor?.getBoundingClientRect();
  if (rect && (rect.bottom > top - 8 || rect.top < below)) window.scrollBy({ top: rect.top - below - 12 });
}

export function hideSheet(panel) {
  panel.classList.remove("sheet-open");
  panel.closest("main").style.paddingBottom = "";
}
