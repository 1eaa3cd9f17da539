// Small progressive enhancements; pages work without it.
// Colours come from data attributes: the CSP allows no inline style attributes.
for (const el of document.querySelectorAll("[data-color]")) {
  const color = el.dataset.color;
  if (/^#[0-9a-fA-F]{6}$/.test(color)) el.style.borderLeftColor = color;
}
