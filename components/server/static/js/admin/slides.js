// The slides part of the node editor: the list of slides (select, add with a layout,
// duplicate, reorder with buttons or Alt+arrows, delete after asking) and the selected
// slide's fields, only those its layout uses.
import { h, ask, select } from './dom.js';
import { t } from './i18n.js';
import { bilingual, fieldBox, mediaField, getAt } from './fields.js';
import { loadMap, regionName } from './map-svg.js';

/** Slide layouts, in the order the editor offers them. */
export const LAYOUTS = ['text', 'image_text', 'image', 'video', 'map', 'figures'];

/** The fields each layout shows on the display (and so the editor offers). */
const USES = {
  text: ['title', 'text'],
  image_text: ['title', 'text', 'image'],
  image: ['title', 'image'],
  video: ['title', 'video'],
  map: ['title', 'text', 'image', 'region'],
  figures: ['title', 'text', 'figures'],
};

/** Whether a slide of `layout` uses `field`. */
export function uses(layout, field) {
  return (USES[layout] || USES.text).includes(field);
}

/** A new, empty slide of `layout` (a figures slide starts with one figure to fill in). */
export function newSlide(layout) {
  const s = { layout };
  if (layout === 'figures') s.figures = [newFigure()];
  return s;
}

/** A figure to fill in (its value is required). */
export function newFigure() {
  return { label: {}, value: null };
}

const isLoc = (x) => x && typeof x === 'object' && Object.values(x).some((v) => typeof v === 'string' && v.trim());
const cleanLoc = (x) => {
  const out = {};
  if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) if (typeof v === 'string' && v.trim()) out[k] = v;
  return out;
};
export { cleanLoc, isLoc };

/**
 * A slide as sent to the API: only the fields its layout uses (others typed before a
 * layout change are dropped), empty texts left out, the legacy block kept.
 * `forPreview`: a slide still being filled in is made showable, as the display would
 * show it: figures without a number yet are left out, an empty label shows as `…`, and
 * a layout still missing its picture, video or figures falls back as the display does.
 */
export function cleanSlide(s, forPreview = false) {
  let layout = LAYOUTS.includes(s.layout) ? s.layout : 'text';
  if (forPreview) {
    const figs = Array.isArray(s.figures) ? s.figures.filter((f) => f && Number.isFinite(f.value)) : [];
    if (layout === 'image' && !s.image) layout = 'text';
    if (layout === 'video' && !s.video) layout = s.image ? 'image_text' : 'text';
    if (layout === 'figures' && !figs.length) layout = 'text';
  }
  const out = { layout };
  if (uses(layout, 'title') && isLoc(s.title)) out.title = cleanLoc(s.title);
  if (uses(layout, 'text') && isLoc(s.text)) out.text = cleanLoc(s.text);
  if (uses(layout, 'image') && s.image) out.image = s.image;
  if (uses(layout, 'video') && s.video) out.video = s.video;
  if (uses(layout, 'region') && typeof s.region === 'string' && s.region) out.region = s.region;
  if (uses(layout, 'figures') && Array.isArray(s.figures) && s.figures.length) {
    const figs = [];
    for (const f of s.figures) {
      if (forPreview && !Number.isFinite(f.value)) continue;
      const g = { label: cleanLoc(f.label), value: Number.isFinite(f.value) ? f.value : null };
      if (forPreview && !isLoc(g.label)) g.label = { kk: '…', ru: '…' };
      if (isLoc(f.unit)) g.unit = cleanLoc(f.unit);
      if (Number.isFinite(f.target)) g.target = f.target;
      if (Number.isFinite(f.baseline)) g.baseline = f.baseline;
      figs.push(g);
    }
    if (figs.length) out.figures = figs;
  }
  if (s.legacy_block != null) out.legacy_block = s.legacy_block;
  return out;
}

/** A layout's name in the admin's language. */
export function layoutName(l) {
  return t(`edl_${l}`);
}

/** A slide's short name in the list: its number, layout and title. */
function chipText(s, i) {
  const title = (s.title && (s.title.kk || s.title.ru)) || '';
  return `${i + 1} · ${layoutName(s.layout)}${title ? ` · ${title}` : ''}`;
}

/**
 * The slides section. `ed` is the editor: `draft` (the node being edited), `selected`
 * (the slide shown), `select(i)`, `structure(mutate, selectAfter)` (a change of the
 * list: re-drawn, previewed), `text(path, value)`, `number(path, text)`, `set(path,
 * value)`, `numberText(path)` (what is typed in a number field), `pick({kind})`,
 * `hasError(prefix)`.
 */
export function slidesSection(ed) {
  const slides = ed.draft.slides;
  const sec = h('section', { class: 'ed-slides card', 'data-field': 'slides', 'aria-labelledby': 'ed-slides-h' },
    h('h3', { id: 'ed-slides-h', text: `${t('edSlides')} (${slides.length})` }),
    h('p', { class: 'ef-error', role: 'alert', 'data-error-for': 'slides', hidden: true }));

  // The list: one button per slide; arrows move between them, Alt+arrows move the slide.
  const list = h('ol', { class: 'ed-chips', 'aria-label': t('edSlides') });
  slides.forEach((s, i) => {
    const b = h('button', {
      type: 'button', class: 'ed-chip', 'data-slide': String(i), 'data-layout': s.layout,
      'aria-current': i === ed.selected ? 'true' : false,
      'aria-keyshortcuts': 'Alt+ArrowUp Alt+ArrowDown',
      title: t('edMoveHint'), text: chipText(s, i),
      onclick: () => ed.select(i),
    });
    if (ed.hasError(`slides[${i}]`)) b.classList.add('has-error');
    b.addEventListener('keydown', (ev) => {
      const back = ev.key === 'ArrowUp' || ev.key === 'ArrowLeft';
      const fwd = ev.key === 'ArrowDown' || ev.key === 'ArrowRight';
      if (!back && !fwd) return;
      ev.preventDefault();
      const j = back ? i - 1 : i + 1;
      if (j < 0 || j >= slides.length) return;
      if (ev.altKey) move(ed, i, j, true);
      else {
        ed.select(j);
        ed.focusChip(j);
      }
    });
    list.append(h('li', {}, b));
  });
  if (!slides.length) list.append(h('li', { class: 'muted', text: t('edNoSlides') }));

  const layoutPick = select(LAYOUTS.map((l) => [l, layoutName(l)]), 'text', { 'aria-label': t('edLayout'), id: 'ed-new-layout' });
  const add = h('button', { type: 'button', class: 'btn btn-quiet', id: 'ed-add-slide', text: t('edAddSlide') });
  add.addEventListener('click', () => {
    const at = slides.length ? ed.selected + 1 : 0;
    ed.structure(() => slides.splice(at, 0, newSlide(layoutPick.value)), at);
  });
  sec.append(list, h('div', { class: 'ed-add' }, h('label', { for: 'ed-new-layout', text: t('edNewSlide') }), layoutPick, add));

  const s = slides[ed.selected];
  if (s) sec.append(slideForm(ed, s, ed.selected));
  return sec;
}

/** Moves slide `i` to `j`, keeping it selected (and the keyboard on its chip). */
function move(ed, i, j, chip) {
  ed.structure((slides) => {
    const [s] = slides.splice(i, 1);
    slides.splice(j, 0, s);
  }, j);
  if (chip) ed.focusChip(j);
}

function slideForm(ed, s, i) {
  const n = ed.draft.slides.length;
  const base = `slides[${i}]`;
  const layout = select(LAYOUTS.map((l) => [l, layoutName(l)]), LAYOUTS.includes(s.layout) ? s.layout : 'text', { 'data-path': `${base}.layout` });
  layout.addEventListener('change', () => ed.structure(() => {
    s.layout = layout.value;
    if (s.layout === 'figures' && !(Array.isArray(s.figures) && s.figures.length)) s.figures = [newFigure()];
  }, i));
  const up = h('button', { type: 'button', class: 'btn btn-quiet', 'data-act': 'up', disabled: i === 0, text: `↑ ${t('edUp')}`, onclick: () => move(ed, i, i - 1) });
  const down = h('button', { type: 'button', class: 'btn btn-quiet', 'data-act': 'down', disabled: i === n - 1, text: `↓ ${t('edDown')}`, onclick: () => move(ed, i, i + 1) });
  const dup = h('button', {
    type: 'button', class: 'btn btn-quiet', 'data-act': 'duplicate', text: t('edDuplicate'),
    onclick: () => ed.structure((slides) => slides.splice(i + 1, 0, structuredClone(s)), i + 1),
  });
  const del = h('button', {
    type: 'button', class: 'btn btn-quiet btn-danger-text', 'data-act': 'delete', text: t('edDeleteSlide'),
    onclick: async () => {
      const ok = await ask(t('edDeleteSlideQ', { n: i + 1 }), [h('p', { text: chipText(s, i) })],
        [{ label: t('edDeleteSlide'), value: 'delete', kind: 'danger' }]);
      if (ok === 'delete') ed.structure((slides) => slides.splice(i, 1), Math.max(0, Math.min(i, n - 2)));
    },
  });
  const form = h('div', { class: 'ed-slide', 'data-field': base, 'data-slide-form': String(i) },
    h('div', { class: 'ed-slide-bar' },
      h('strong', { text: t('edSlideN', { n: i + 1, of: n }) }),
      fieldBox(t('edLayout'), layout, `${base}.layout`),
      h('div', { class: 'ed-tools' }, up, down, dup, del)),
    h('p', { class: 'ef-error', role: 'alert', 'data-error-for': base, hidden: true }));

  const L = s.layout;
  if (uses(L, 'title')) {
    form.append(bilingual(L === 'image' || L === 'video' ? t('edCaption') : t('edSlideTitle'), s.title, `${base}.title`,
      { onInput: (p, v) => ed.text(p, v) }));
  }
  if (uses(L, 'text')) {
    form.append(bilingual(L === 'figures' ? t('edLead') : t('edText'), s.text, `${base}.text`,
      { multiline: true, onInput: (p, v) => ed.text(p, v) }));
    form.append(h('p', { class: 'hint', text: t('edTextHint') }));
  }
  if (uses(L, 'image')) {
    form.append(mediaField(L === 'map' ? t('edMapImage') : t('edImage'), s.image || null, `${base}.image`, 'image', ed.pick,
      (ref) => ed.set(`${base}.image`, ref || undefined)));
  }
  if (uses(L, 'video')) {
    form.append(mediaField(t('edVideo'), s.video || null, `${base}.video`, 'video', ed.pick,
      (ref) => ed.set(`${base}.video`, ref || undefined)));
  }
  if (uses(L, 'region')) form.append(regionField(ed, `${base}.region`));
  if (uses(L, 'figures')) form.append(figuresList(ed, s, base));
  return form;
}

/**
 * A region of the node's map (the built-in map of Kazakhstan when the node has none):
 * a list of the map's regions by name in the admin's language, with the chosen
 * region's Kazakh and Russian names beside it. `ed.mapId()` names the map.
 */
export function regionField(ed, path) {
  const cur = getAt(ed.draft, path);
  const value = typeof cur === 'string' ? cur : '';
  const sel = h('select', { class: 'ef-region-in' }, h('option', { value: '', text: t('edNoRegion') }));
  if (value) sel.append(h('option', { value, text: value }));
  sel.value = value;
  const name = h('span', { class: 'ef-region muted', 'aria-live': 'polite' });
  let features = [];
  const say = () => {
    const f = features.find((x) => x.id === sel.value);
    name.textContent = f ? [f.name.kk, f.name.ru].filter(Boolean).join(' · ') : '';
  };
  sel.addEventListener('change', () => {
    ed.set(path, sel.value || undefined);
    say();
  });
  const box = fieldBox(t('edRegion'), sel, path, { hint: t('edRegionHint') });
  box.append(name);
  loadMap(ed.mapId()).then((doc) => {
    features = doc.features;
    const named = features.map((f) => [f.id, regionName(f)]).sort((a, b) => a[1].localeCompare(b[1]));
    const opts = [h('option', { value: '', text: t('edNoRegion') }), ...named.map(([id, n]) => h('option', { value: id, text: `${n} · ${id}` }))];
    if (value && !features.some((f) => f.id === value)) opts.push(h('option', { value, text: `${value} · ${t('edRegionUnknown')}` }));
    const now = sel.value;
    sel.replaceChildren(...opts);
    sel.value = now;
    sel.dataset.ready = 'true';
    say();
  }, () => {
    sel.dataset.ready = 'error';
    name.textContent = t('mlMapMissing');
  });
  return box;
}

function figuresList(ed, s, base) {
  const figs = Array.isArray(s.figures) ? s.figures : (s.figures = []);
  const box = h('fieldset', { class: 'ed-figures', 'data-field': `${base}.figures` }, h('legend', { text: t('edFigures') }),
    h('p', { class: 'ef-error', role: 'alert', 'data-error-for': `${base}.figures`, hidden: true }));
  figs.forEach((f, k) => {
    const p = `${base}.figures[${k}]`;
    const num = (key, label, required) => {
      const input = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'ef-num', required });
      input.value = ed.numberText(`${p}.${key}`);
      input.addEventListener('input', () => ed.number(`${p}.${key}`, input.value, { required }));
      return fieldBox(label + (required ? ' *' : ''), input, `${p}.${key}`);
    };
    const remove = h('button', {
      type: 'button', class: 'btn btn-quiet btn-danger-text', 'data-act': 'remove-figure', text: t('edRemoveFigure'),
      onclick: () => ed.structure(() => figs.splice(k, 1), ed.selected),
    });
    box.append(h('div', { class: 'ed-figure', 'data-field': p },
      h('div', { class: 'ed-figure-head' }, h('strong', { text: t('edFigureN', { n: k + 1 }) }), remove),
      h('p', { class: 'ef-error', role: 'alert', 'data-error-for': p, hidden: true }),
      bilingual(t('edFigureLabel'), f.label, `${p}.label`, { onInput: (q, v) => ed.text(q, v), required: true }),
      h('div', { class: 'ed-nums' }, num('value', t('edValue'), true), num('target', t('edTarget'), false), num('baseline', t('edBaseline'), false)),
      bilingual(t('edUnit'), f.unit, `${p}.unit`, { onInput: (q, v) => ed.text(q, v) })));
  });
  box.append(h('button', {
    type: 'button', class: 'btn btn-quiet', 'data-act': 'add-figure', text: t('edAddFigure'),
    onclick: () => ed.structure(() => figs.push(newFigure()), ed.selected),
  }));
  return box;
}
