// Small progressive enhancements; pages work without it.
// Colours come from data attributes: the CSP allows no inline style attributes.
for (const el of document.querySelectorAll("[data-color]")) {
  const color = el.dataset.color;
  if (/^#[0-9a-fA-F]{6}$/.test(color)) el.style.borderLeftColor = color;
}

// Times are shown in the viewer's zone: the server reads the browser's from this cookie.
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (browserZone && !document.cookie.split("; ").includes(`tz=${encodeURIComponent(browserZone)}`)) {
  document.cookie = `tz=${encodeURIComponent(browserZone)}; path=/; max-age=31536000; samesite=lax`;
}
// A new project's time zone starts as the teacher's browser's.
for (const select of document.querySelectorAll("select[data-browser-zone='fill']")) {
  if (browserZone && [...select.options].some((o) => o.value === browserZone)) {
    select.value = browserZone;
  }
}

// A link to a folded form (the project page's cards lead to them) unfolds it.
function unfoldTarget() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!target) return;
  for (let el = target; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") el.open = true;
  }
}
unfoldTarget();
window.addEventListener("hashchange", unfoldTarget);
// A click on a link to a folded part of this page unfolds it, even when the hash is already
// that part's (no hashchange then).
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[href^='#']");
  if (link && link.hash === location.hash) unfoldTarget();
});
