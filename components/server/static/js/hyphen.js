// Where Kazakh and Russian words may break: soft hyphens (U+00AD) put in by a small
// syllable rule, and lengths kept bounded. Pure: strings in, strings out.
//
// Why not CSS `hyphens: auto`: Chromium hyphenates with dictionaries it downloads at
// run time (none for Kazakh at all; none offline, as displays run), so it would break
// nowhere or anywhere. With soft hyphens and `hyphens: manual` every browser breaks a
// long word only between syllables, and shows the hyphen there.

const VOWELS = new Set('аәеёиоөуұүыіэюяАӘЕЁИОӨУҰҮЫІЭЮЯ');
/** Letters that never begin a line's part of a word: they close the syllable before. */
const CLOSERS = new Set('ьъйЬЪЙ');
/** Cyrillic words of 8 letters or more: shorter ones need no break (and fewer lines
 * end in a hyphen). */
const WORD = /[\u0400-\u052f]{8,}/g;
const SHY = '\u00ad';

/**
 * A word with soft hyphens between its syllables: a break goes before the last
 * consonant between two vowels (Kazakh syllables begin with at most one consonant; for
 * Russian this is one of the allowed breaks), or between two vowels; `ь`, `ъ`, `й` stay
 * with the syllable before; at least two letters stay on each side. Words in capitals
 * (abbreviations) are left whole.
 */
export function hyphenateWord(w) {
  if (w === w.toUpperCase()) return w;
  const v = [];
  for (let i = 0; i < w.length; i++) if (VOWELS.has(w[i])) v.push(i);
  if (v.length < 2) return w;
  const cuts = [];
  for (let k = 0; k + 1 < v.length; k++) {
    const a = v[k];
    const b = v[k + 1];
    let cut = b - 1 > a ? b - 1 : b;
    while (cut < b && CLOSERS.has(w[cut])) cut++;
    if (cut < 2 || w.length - cut < 2 || cut <= (cuts[cuts.length - 1] ?? 0)) continue;
    cuts.push(cut);
  }
  if (!cuts.length) return w;
  let out = '';
  let from = 0;
  for (const c of cuts) {
    out += w.slice(from, c) + SHY;
    from = c;
  }
  return out + w.slice(from);
}

/** `text` with soft hyphens in its long Cyrillic words (see `hyphenateWord`). */
export function hyphenate(text) {
  return String(text).replace(WORD, hyphenateWord);
}

/** `text` cut to `max` characters (whole characters, an ellipsis at the cut). */
export function clamp(text, max) {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  if (s.length <= max) return s;
  // Do not leave half of a surrogate pair.
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end).trimEnd() + '…';
}

/** What the display shows of a text: at most `max` characters, with soft hyphens. */
export function shown(text, max) {
  return hyphenate(clamp(text, max));
}
