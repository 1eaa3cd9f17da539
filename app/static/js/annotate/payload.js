// The page's data comes compact (app/web/annotate.py): the text lives in the passages' markup
// only, with what lies between passages beside the data, and the spans come as columns.
// Both are rebuilt here once, into what the rest of the page reads.

/** The document's text: the gaps around the passages and the passages' own text, in turn. */
export function pageText(passageNodes, gaps) {
  const parts = [gaps[0]];
  passageNodes.forEach((node, i) => parts.push(node.textContent, gaps[i + 1]));
  return parts.join("");
}

/** Span objects from the columns the page sends (one list per field, span i at index i). */
export function spanRows(columns) {
  const keys = Object.keys(columns);
  const count = keys.length ? columns[keys[0]].length : 0;
  const rows = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const span = {};
    for (const key of keys) span[key] = columns[key][i];
    rows[i] = span;
  }
  return rows;
}
