// Offsets: the server counts Unicode code points; the browser's strings count UTF-16 units.
// Everything stored or sent is in code points; conversion happens here and nowhere else.

export class CodepointText {
  constructor(text) {
    this.text = text;
    const units = text.length;
    this.toUnit = new Int32Array(units + 1); // code point index -> UTF-16 index
    this.toPoint = new Int32Array(units + 1); // UTF-16 index -> code point index
    let point = 0;
    for (let unit = 0; unit < units; unit++) {
      this.toPoint[unit] = point;
      this.toUnit[point] = unit;
      const code = text.charCodeAt(unit);
      if (code >= 0xd800 && code <= 0xdbff && unit + 1 < units) {
        const next = text.charCodeAt(unit + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          unit++;
          this.toPoint[unit] = point; // the low half belongs to the same code point
        }
      }
      point++;
    }
    this.toPoint[units] = point;
    this.toUnit[point] = units;
    this.length = point;
  }

  /** The text between two code-point offsets. */
  slice(start, end) {
    return this.text.slice(this.toUnit[start], this.toUnit[end]);
  }
}

/** Code points in a string (a lone surrogate counts as one). */
export function pointLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Trim whitespace off a code-point range of the text (double-click selects a trailing space). */
export function trimRange(cp, start, end) {
  while (start < end && /\s/u.test(cp.slice(start, start + 1))) start++;
  while (end > start && /\s/u.test(cp.slice(end - 1, end))) end--;
  return [start, end];
}

/**
 * Split [from, to) into segments at every span boundary inside it.
 * Returns [{start, end, spans}] where spans are those covering the whole segment.
 */
export function segments(from, to, spans) {
  const cuts = new Set([from, to]);
  for (const span of spans) {
    if (span.start > from && span.start < to) cuts.add(span.start);
    if (span.end > from && span.end < to) cuts.add(span.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const result = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i];
    const end = points[i + 1];
    const covering = spans.filter((s) => s.start <= start && s.end >= end);
    result.push({ start, end, spans: covering });
  }
  return result;
}

/** Index of the last passage whose start is <= offset (passages sorted by start). */
export function passageAt(passages, offset) {
  let low = 0;
  let high = passages.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (passages[mid].start <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
