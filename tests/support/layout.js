// Geometry of the display's current frame, measured in the page (tests/layout_browser.rs):
// every line of text and every box (cards, pictures, progress, page indicator) as laid
// out, and what is wrong with them. Evaluated as an expression; its value is
// `{ problems: [string], lines: N, words: N, hidden: N }`.
//
// * cut: a line partly outside a box that clips it (its card, its text box, the viewport);
// * hidden: a line wholly clipped away, except by a paged text box (`.scroll.paged`),
//   whose other pages are out of sight by design;
// * overlap: two lines of different elements, a line and a box it is not inside, or two
//   boxes neither inside the other, sharing more than a sliver;
// * spill: a line or box outside the card (or frame) it belongs to;
// * broken: a word split across lines anywhere but after a soft hyphen (U+00AD) or a
//   hyphen.
(() => {
  const root = document.getElementById('display');
  const frames = [...root.querySelectorAll('.frame.shown')];
  const frame = frames[frames.length - 1];
  const problems = [];
  if (!frame) return { problems: ['no frame on screen'], lines: 0, words: 0, hidden: 0 };
  const VW = innerWidth;
  const VH = innerHeight;
  const SLIVER = 2;
  const BOXES = '.hdr, .fig, .home-card, .progress, .rbadge, .big-badge, .media-img, .media-video, .map-svg, .home-logo, .hdr-logo, .page-ind, .bar, .bar-mark';
  const CARDS = '.fig, .home-card, .rbadge, .page-ind';
  const name = (e) => {
    const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '';
    return e.tagName.toLowerCase() + cls;
  };
  const snip = (s) => JSON.stringify(s.replace(/\u00ad/g, '').slice(0, 40));
  const inter = (a, b) => ({
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  });
  const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
  const overlaps = (a, b) => {
    const i = inter(a, b);
    return i.right - i.left > SLIVER && i.bottom - i.top > SLIVER;
  };
  const within = (r, c, tol = 1) =>
    r.left >= c.left - tol && r.top >= c.top - tol && r.right <= c.right + tol && r.bottom <= c.bottom + tol;
  const fmtR = (r) => `[${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.right - r.left)}×${Math.round(r.bottom - r.top)}]`;

  // The clip of an element: the viewport and every clipping ancestor's padding box.
  const clips = new Map();
  function clipOf(el) {
    if (clips.has(el)) return clips.get(el);
    let c = { left: 0, top: 0, right: VW, bottom: VH, by: null };
    if (el && el !== frame && el.parentElement) {
      const up = clipOf(el.parentElement);
      c = { ...up };
    }
    if (el) {
      const cs = getComputedStyle(el);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') {
        const r = el.getBoundingClientRect();
        const box = {
          left: r.left + el.clientLeft,
          top: r.top + el.clientTop,
          right: r.left + el.clientLeft + el.clientWidth,
          bottom: r.top + el.clientTop + el.clientHeight,
        };
        c = { ...inter(c, box), by: el };
      }
    }
    clips.set(el, c);
    return c;
  }

  // ------------------------------------------------------------ lines of text
  const lines = []; // { el, r }
  let hidden = 0;
  let words = 0;
  const walker = document.createTreeWalker(frame, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const WORD = /[^\s\u00ad\-\u2010\u2011\u2013\u2014\/]+(?:\u00ad[^\s\u00ad\-\u2010\u2011\u2013\u2014\/]+)*/g;
  for (let tn = walker.nextNode(); tn; tn = walker.nextNode()) {
    const el = tn.parentElement;
    if (!el || !tn.data.trim() || el.closest('svg')) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    range.selectNodeContents(tn);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0.5 && r.height > 0.5);
    const clip = clipOf(el);
    for (const raw of rects) {
      // Lines' boxes are the font's full height; their ink is smaller: trim a little so
      // lines set tight (line-height ~1.1) do not count as touching their neighbours or
      // as cut by a box exactly their line-height tall.
      const trim = raw.height * 0.12;
      const r = { left: raw.left, right: raw.right, top: raw.top + trim, bottom: raw.bottom - trim };
      if (within(r, clip)) {
        lines.push({ el, r, text: tn.data });
      } else if (area(inter(r, clip)) > 0.5) {
        problems.push(`cut: ${name(el)} ${snip(tn.data)} line ${fmtR(r)} outside ${clip.by ? name(clip.by) : 'the viewport'} ${fmtR(clip)}`);
      } else {
        hidden++;
        const pager = clip.by && clip.by.closest('.scroll.paged');
        if (!pager) problems.push(`hidden: ${name(el)} ${snip(tn.data)} line ${fmtR(r)} clipped away by ${clip.by ? name(clip.by) : 'the viewport'}`);
      }
    }
    // Words broken across lines other than after a soft hyphen or a hyphen.
    for (const m of tn.data.matchAll(WORD)) {
      words++;
      if (m[0].length < 2) continue;
      range.setStart(tn, m.index);
      range.setEnd(tn, m.index + m[0].length);
      const wr = [...range.getClientRects()].filter((r) => r.width > 0.5);
      if (wr.length <= 1) continue;
      // Where the word goes to the next line: only right after a soft hyphen.
      let prev = null;
      for (let i = 0; i < m[0].length; i++) {
        if (m[0][i] === '\u00ad') continue;
        range.setStart(tn, m.index + i);
        range.setEnd(tn, m.index + i + 1);
        // The last box: at a break after a soft hyphen, the hyphen drawn at the end of
        // the line may come first.
        const r = [...range.getClientRects()].filter((x) => x.width > 0.5).pop();
        if (!r) continue;
        if (prev && Math.abs(r.top - prev.top) > r.height / 2 && m[0][i - 1] !== '\u00ad') {
          problems.push(`broken: ${name(el)} word ${snip(m[0])} split before ${snip(m[0].slice(i))}`);
          break;
        }
        prev = r;
      }
    }
  }
  range.detach();

  // ------------------------------------------------------------ boxes
  const boxes = [...frame.querySelectorAll(BOXES)]
    .filter((e) => e.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
    .map((e) => ({ el: e, r: e.getBoundingClientRect() }))
    .filter((b) => b.r.width > 0.5 && b.r.height > 0.5);
  const view = { left: 0, top: 0, right: VW, bottom: VH };
  for (const b of boxes) {
    if (!within(b.r, view)) problems.push(`spill: ${name(b.el)} ${fmtR(b.r)} outside the viewport ${VW}×${VH}`);
    const card = b.el.parentElement && b.el.parentElement.closest(CARDS);
    if (card && !within(b.r, card.getBoundingClientRect())) problems.push(`spill: ${name(b.el)} ${fmtR(b.r)} outside its ${name(card)}`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      if (overlaps(a.r, b.r)) problems.push(`overlap: ${name(a.el)} ${fmtR(a.r)} and ${name(b.el)} ${fmtR(b.r)}`);
    }
  }

  // ------------------------------------------------------------ lines against the rest
  for (const l of lines) {
    const card = l.el.closest(CARDS);
    if (card && !within(l.r, card.getBoundingClientRect())) {
      problems.push(`spill: ${name(l.el)} ${snip(l.text)} ${fmtR(l.r)} outside its ${name(card)} ${fmtR(card.getBoundingClientRect())}`);
    }
    for (const b of boxes) {
      if (b.el.contains(l.el)) continue;
      if (overlaps(l.r, b.r)) problems.push(`overlap: ${name(l.el)} ${snip(l.text)} ${fmtR(l.r)} over ${name(b.el)} ${fmtR(b.r)}`);
    }
  }
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const a = lines[i];
      const b = lines[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
      if (overlaps(a.r, b.r)) problems.push(`overlap: ${name(a.el)} ${snip(a.text)} ${fmtR(a.r)} and ${name(b.el)} ${snip(b.text)} ${fmtR(b.r)}`);
    }
  }
  if (document.documentElement.scrollWidth > VW || document.documentElement.scrollHeight > VH) {
    problems.push(`scroll: the page scrolls (${document.documentElement.scrollWidth}×${document.documentElement.scrollHeight})`);
  }
  return { problems: [...new Set(problems)].slice(0, 40), lines: lines.length, words, hidden };
})()
