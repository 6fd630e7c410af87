// Fitting a frame that is in the page (laid out, maybe still transparent): figures and
// cards shrink to the space they have, big numbers to their card, and a slide's text
// either fits (bigger type when short, denser when a little too long) or is split into
// pages exactly the size of its box. Each step reads what it needs, then writes, so a
// frame costs a few layouts, never one per element.

/** The most pages a text is split into (the protocol's bound). */
export const MAX_PAGES = 100;
/** The smallest a card's type is scaled to before it is allowed to be cut. */
const MIN_SCALE = 0.3;

const reduced = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * Fits every part of `frame` (see above) and shows page `page` of its text. Returns the
 * number of pages the text takes (1 when it fits, or there is none); sets
 * `data-pages` and `data-page` on the frame.
 */
export function fitFrame(frame, page = 0) {
  const figs = frame.querySelector('.figs');
  if (figs) shrinkFigures(figs);
  const grid = frame.querySelector('.home-grid');
  if (grid) shrinkCards(grid);
  const box = frame.querySelector('.scroll');
  const pages = box ? fitText(box) : 1;
  frame.dataset.pages = String(pages);
  showPage(frame, page, false);
  return pages;
}

/**
 * Shows page `index` (0-based, clamped to the pages there are) of the frame's text and
 * the "x / y" indicator; a short fade when `animate` (never with reduced motion).
 * Returns the page shown.
 */
export function showPage(frame, index, animate = true) {
  const pages = Number(frame.dataset.pages) || 1;
  const i = Math.max(0, Math.min(pages - 1, Number.isInteger(index) ? index : 0));
  const box = frame.querySelector('.scroll.paged');
  if (box) {
    const inner = box.firstElementChild;
    const step = Number(box.dataset.step) || 0;
    const was = inner.style.transform;
    inner.style.transform = i ? `translateX(${-i * step}px)` : '';
    if (animate && was !== inner.style.transform && !reduced()) {
      inner.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 260, easing: 'ease-out' });
    }
  }
  const ind = frame.querySelector('.page-ind');
  if (ind) {
    ind.hidden = pages < 2;
    ind.textContent = `${i + 1} / ${pages}`;
  }
  frame.dataset.page = String(i);
  return i;
}

/** Text that fits its box, or pages of it: returns the number of pages. */
function fitText(box) {
  const inner = box.firstElementChild;
  if (!inner) return 1;
  box.classList.remove('dense', 'roomy', 'paged');
  inner.style.cssText = '';
  delete box.dataset.step;
  const avail = box.clientHeight;
  if (!avail) return 1;
  let over = inner.offsetHeight - avail;
  // Short text gets bigger type, if it still fits.
  const area = box.closest('.l-text, .l-split');
  if (over <= 1 && area && inner.offsetHeight < area.clientHeight * 0.3) {
    box.classList.add('roomy');
    if (inner.offsetHeight > box.clientHeight + 1) box.classList.remove('roomy');
    return 1;
  }
  if (over > 1 && over < avail * 0.4) {
    box.classList.add('dense');
    over = inner.offsetHeight - box.clientHeight;
  }
  if (over <= 1) return 1;
  // Pages: the text flows into columns of exactly the box's size, side by side; one
  // column is one page, and the page shown is moved into the box.
  box.classList.add('paged');
  const w = Math.floor(box.getBoundingClientRect().width);
  const hgt = box.clientHeight;
  const gap = Math.max(16, Math.round(w * 0.08));
  inner.style.width = `${w}px`;
  inner.style.height = `${hgt}px`;
  inner.style.columnWidth = `${w}px`;
  inner.style.columnGap = `${gap}px`;
  box.dataset.step = String(w + gap);
  const pages = Math.round((inner.scrollWidth + gap) / (w + gap));
  return Math.max(1, Math.min(MAX_PAGES, pages));
}

/**
 * Figures: first the cards shrink until the grid fits its height (`--fscale`), then the
 * numbers until the widest fits its card (`--nscale`).
 */
function shrinkFigures(figs) {
  figs.style.removeProperty('--nscale');
  figs.style.removeProperty('--fscale');
  let card = 1;
  for (let k = 0; k < 6; k++) {
    const need = figs.scrollHeight;
    const have = figs.clientHeight;
    const labels = [...figs.querySelectorAll('.fig-label, .fig-legend')].some((e) => e.scrollWidth > e.clientWidth + 1);
    if (need <= have + 1 && !labels) break;
    const f = need > have + 1 ? Math.min(1, Math.max(0.5, have / need)) : 0.92;
    card = Math.max(MIN_SCALE, card * f * 0.98);
    figs.style.setProperty('--fscale', card.toFixed(3));
    if (card === MIN_SCALE) break;
  }
  let num = 1;
  for (let k = 0; k < 2; k++) {
    let wide = 1;
    for (const v of figs.querySelectorAll('.fig-num')) {
      const room = v.parentElement.clientWidth;
      if (v.offsetWidth > room) wide = Math.min(wide, room / v.offsetWidth);
    }
    if (wide >= 1) break;
    num = Math.max(MIN_SCALE, num * wide * 0.97);
    figs.style.setProperty('--nscale', num.toFixed(3));
  }
}

/** A title screen's cards: their titles shrink until every one fits its card. */
function shrinkCards(grid) {
  let scale = 1;
  grid.style.removeProperty('--cscale');
  for (let k = 0; k < 6; k++) {
    let worst = 1;
    for (const t of grid.querySelectorAll('.home-card-title')) {
      const card = t.parentElement;
      if (t.scrollWidth > t.clientWidth + 1) worst = Math.min(worst, t.clientWidth / t.scrollWidth);
      // The picture gives way, down to 30 % of the card (display.css).
      const room = card.clientHeight * 0.7;
      if (t.offsetHeight > room + 1) worst = Math.min(worst, room / t.offsetHeight);
    }
    if (worst >= 1) break;
    scale = Math.max(MIN_SCALE, scale * Math.max(0.6, worst) * 0.97);
    grid.style.setProperty('--cscale', scale.toFixed(3));
    if (scale === MIN_SCALE) break;
  }
}
