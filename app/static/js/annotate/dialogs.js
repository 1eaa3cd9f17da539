// Modal dialogs of the annotation page: focus stays inside while one is open.

/** Keep Tab and Shift+Tab cycling inside `container` (a modal dialog). */
export function keepFocusIn(container, event) {
  const focusable = [...container.querySelectorAll("button, a[href], input, select, textarea")]
    .filter((el) => !el.disabled && el.getClientRects().length > 0);
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
