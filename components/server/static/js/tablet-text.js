// Texts of the state as the tablet shows them: teasers on whole words, a slide's text
// as one plain string for its preview.

/**
 * A teaser the server cut at a fixed length ends inside a word ("цифрланд…"): cut it
 * back to the last whole word, so a visitor reads words, then the ellipsis.
 */
export function wordCut(text) {
  const s = String(text || '');
  if (!s.endsWith('…')) return s;
  const body = s.slice(0, -1);
  const i = body.search(/\s\S*$/u);
  if (i <= 0) return s;
  return `${body.slice(0, i).replace(/[\s,;:.—–-]+$/u, '')}…`;
}

/** A slide's text blocks (`p` lines, `ul` items) as one plain string. */
export const textOf = (sl) =>
  (Array.isArray(sl.text) ? sl.text : [])
    .flatMap((b) => (b && Array.isArray(b.p) ? b.p : b && Array.isArray(b.ul) ? b.ul : []))
    .map((x) => String(x).trim())
    .filter(Boolean)
    .join(' ');
