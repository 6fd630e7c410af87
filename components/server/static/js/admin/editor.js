// The node and slide editor (issue 9): one node's texts in Kazakh and Russian side by
// side, kind, label, tile, logo and region, a map node's map and region links
// (map-links.js), and its slides (slides.js), with a live
// preview of the slide being edited (preview-pane.js). Saves with PATCH /api/nodes/{key}
// based on the node's revision; a stale save shows what changed (conflict.js).
import { api } from './api.js';
import { h, select, toast, ask } from './dom.js';
import { t, pick as pickText } from './i18n.js';
import { pickMedia } from './media-picker.js';
import { bilingual, fieldBox, mediaField, getAt, setAt, steps, parentPath, parseNumber, nodeRelative, showError, clearErrors, controlFor, localized } from './fields.js';
import { slidesSection, cleanSlide, cleanLoc, regionField } from './slides.js';
import { previewPane } from './preview-pane.js';
import { resolveConflict } from './conflict.js';
import { mapSection, mapData, mapIdOf, cleanMap } from './map-links.js';

const KINDS = ['menu', 'slideshow', 'map'];
/** Top-level fields PATCH takes, in the order they are compared. */
const PATCHED = ['title', 'header', 'teaser', 'kind', 'label', 'tile', 'logo', 'region', 'map', 'slides'];

/** A node's fields as PATCH sends them (empty texts left out, slides cleaned). */
export function patchable(node, forPreview = false) {
  return {
    title: cleanLoc(node.title),
    header: cleanLoc(node.header),
    teaser: cleanLoc(node.teaser),
    kind: node.kind || 'menu',
    label: node.label ? String(node.label) : null,
    tile: node.tile || null,
    logo: node.logo || null,
    region: typeof node.region === 'string' && node.region ? node.region : null,
    map: cleanMap(node.map),
    slides: (node.slides || []).map((s) => cleanSlide(s, forPreview)),
  };
}

/** The PATCH fields of `draft` that differ from `base` (both nodes). */
export function changes(base, draft) {
  const a = patchable(base);
  const b = patchable(draft);
  const out = {};
  for (const k of PATCHED) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out[k] = b[k];
  return out;
}

/**
 * Mounts the editor of node `key` into `container` (screen `screen` for the preview).
 * `focus`: a field path to put the cursor in (`slides[1].text.kk`); `onSaved(edited,
 * node)` after a save, and `onSaved(null, node)` when a save finds that someone else
 * stored `node` meanwhile (409); `onOpen(key)` to open another node (its path and children are
 * links). Returns `{ destroy(), isDirty() }`.
 */
export function mountEditor(container, { key, screen, focus, onSaved, onOpen } = {}) {
  let original = null; // the node as last loaded or saved
  let draft = null;
  let rev = null;
  let info = null; // the GET answer: path, children, screens
  let gone = false;
  let saving = false;
  let previewLang = 'kk';
  const data = mapData(); // maps and linked nodes' titles, for the map section
  const raw = new Map(); // number fields' typed text, by path
  const errors = new Map(); // server diagnostics, by path
  const local = new Map(); // the page's own checks, by path
  const root = h('div', { class: 'editor', 'data-key': key });
  let form = null;
  let pane = null;
  container.replaceChildren(root);
  root.append(h('p', { class: 'muted', text: t('loading') }));

  const ed = {
    get draft() { return draft; },
    key,
    data,
    onOpen,
    get children() { return (info && info.children) || []; },
    /** The map whose regions a region field offers: the node's, else the built-in one. */
    mapId: () => mapIdOf(draft),
    redrawMap() {
      drawMapSlot();
      // Region fields list the regions of the node's map.
      const own = form.querySelector('.ed-node [data-field="region"]');
      if (own) own.replaceWith(regionField(ed, 'region'));
      drawSlides();
      preview();
    },
    selected: 0,
    pick: (o) => pickMedia(o),
    select(i) {
      ed.selected = i;
      drawSlides();
      preview();
    },
    focusChip(i) {
      const c = root.querySelector(`.ed-chip[data-slide="${i}"]`);
      if (c) c.focus();
    },
    structure(mutate, selectAfter) {
      mutate(draft.slides);
      // Paths of slides and figures move: typed numbers are taken from the draft again.
      for (const p of [...raw.keys()]) if (p.startsWith('slides')) raw.delete(p);
      for (const p of [...errors.keys()]) if (p.startsWith('slides')) errors.delete(p);
      ed.selected = Math.max(0, Math.min(selectAfter ?? ed.selected, draft.slides.length - 1));
      changed();
      drawSlides();
    },
    text(path, value) {
      const lang = steps(path).pop();
      const at = parentPath(path);
      setAt(draft, at, localized(getAt(draft, at), lang, value));
      if (lang === 'kk' || lang === 'ru') setPreviewLang(lang, false);
      if (at === 'title' && local.has('title.kk') && Object.keys(cleanLoc(draft.title)).length) {
        local.delete('title.kk');
        showError(root, 'title.kk', errors.get('title.kk') || '');
      }
      touched(path);
      changed();
    },
    number(path, text, { required = false } = {}) {
      raw.set(path, text);
      const n = parseNumber(text);
      let msg = '';
      if (n === null) msg = required ? t('edRequired') : '';
      else if (Number.isNaN(n)) msg = t('edNotNumber');
      if (msg) local.set(path, msg);
      else local.delete(path);
      const value = msg || n === null ? null : n;
      if (path.endsWith('.value')) setAt(draft, path, value);
      else setAt(draft, path, value == null ? undefined : value);
      touched(path);
      showError(root, path, msg || errors.get(path) || '');
      changed();
    },
    numberText(path) {
      if (raw.has(path)) return raw.get(path);
      const v = getAt(draft, path);
      return Number.isFinite(v) ? String(v) : '';
    },
    set(path, value) {
      setAt(draft, path, value);
      touched(path);
      changed();
    },
    hasError(prefix) {
      return [...errors.keys(), ...local.keys()].some((p) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`));
    },
  };

  /** A field changed by hand: its server finding no longer holds. */
  function touched(path) {
    if (errors.delete(path)) showError(root, path, local.get(path) || '');
  }

  function dirty() {
    if (!draft) return false;
    return Object.keys(changes(original, draft)).length > 0 || local.size > 0;
  }

  function setDirtyMark() {
    const d = dirty();
    root.dataset.dirty = String(d);
    const st = root.querySelector('.ed-state');
    if (st && !saving) st.textContent = d ? t('edUnsaved') : t('edAllSaved');
  }

  function changed() {
    setDirtyMark();
    preview();
  }

  function setPreviewLang(l, redraw = true) {
    if (previewLang === l) return;
    previewLang = l;
    if (pane) pane.langChanged();
    if (redraw) preview();
  }

  function preview() {
    if (pane) pane.update();
  }

  function previewBody() {
    if (!draft) return null;
    const node = { ...structuredClone(original), ...patchable(draft, true) };
    // The stored shape: optional fields left out rather than null.
    for (const k of ['label', 'tile', 'logo', 'region', 'map']) if (node[k] == null) delete node[k];
    for (const k of ['header', 'teaser']) if (!Object.keys(node[k]).length) delete node[k];
    if (!Object.keys(node.title).length) node.title = { kk: '…', ru: '…' };
    return { screen, node, slide: Math.max(0, Math.min(ed.selected, node.slides.length - 1)), lang: previewLang };
  }

  // ------------------------------------------------------------------ drawing
  function nodeSection() {
    const kind = select(KINDS.map((k) => [k, t(`edk_${k}`)]), draft.kind || 'menu');
    kind.addEventListener('change', () => {
      ed.set('kind', kind.value);
      drawMapSlot();
    });
    const label = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'ef-label-in' });
    label.value = draft.label ? String(draft.label) : '';
    label.addEventListener('input', () => ed.set('label', label.value.trim() ? label.value.trim() : undefined));
    return h('section', { class: 'ed-node card', 'aria-labelledby': 'ed-node-h' },
      h('h3', { id: 'ed-node-h', text: t('edNode') }),
      h('p', { class: 'ef-error', role: 'alert', 'data-error-for': '', hidden: true }),
      bilingual(t('edTitle'), draft.title, 'title', { onInput: (p, v) => ed.text(p, v), required: true }),
      h('div', { class: 'ed-row' },
        fieldBox(t('edKind'), kind, 'kind'),
        fieldBox(t('edLabel'), label, 'label', { hint: t('edLabelHint') }),
        regionField(ed, 'region')),
      bilingual(t('edHeader'), draft.header, 'header', { onInput: (p, v) => ed.text(p, v) }),
      bilingual(t('edTeaser'), draft.teaser, 'teaser', { onInput: (p, v) => ed.text(p, v) }),
      h('div', { class: 'ed-row' },
        mediaField(t('edTile'), draft.tile || null, 'tile', 'image', ed.pick, (r) => ed.set('tile', r || undefined)),
        mediaField(t('edLogo'), draft.logo || null, 'logo', 'image', ed.pick, (r) => ed.set('logo', r || undefined))));
  }

  function crumbs() {
    const nav = h('nav', { class: 'ed-path', 'aria-label': t('edPath') });
    for (const p of (info && info.path) || []) {
      const text = `${p.label ? `${p.label} ` : ''}${pickText(p.title)}`;
      nav.append(onOpen
        ? h('button', { type: 'button', class: 'linkish', text, onclick: () => onOpen(p.key) })
        : h('span', { text }), h('span', { class: 'muted', text: ' › ' }));
    }
    nav.append(h('span', { class: 'ed-here', text: pickText(draft.title) || key }));
    return nav;
  }

  function draw() {
    const save = h('button', { type: 'submit', class: 'btn', id: 'ed-save', text: t('save') });
    const revert = h('button', { type: 'button', class: 'btn btn-quiet', id: 'ed-revert', text: t('edRevert'), onclick: revertAll });
    form = h('form', { class: 'ed-form', novalidate: true, 'aria-label': t('edEditor') },
      h('div', { class: 'ed-head' }, crumbs(),
        h('div', { class: 'ed-savebar' }, h('span', { class: 'ed-state muted', role: 'status' }), revert, save)),
      h('div', { class: 'ed-summary', role: 'alert', hidden: true }),
      nodeSection(),
      h('div', { class: 'ed-map-slot' }),
      h('div', { class: 'ed-slides-slot' }),
      h('div', { class: 'ed-notes', hidden: true }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      saveNow();
    });
    form.addEventListener('keydown', (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === 's') {
        ev.preventDefault();
        saveNow();
      }
    });
    form.addEventListener('focusin', (ev) => {
      const l = ev.target && ev.target.dataset && ev.target.dataset.lang;
      if (l === 'kk' || l === 'ru') setPreviewLang(l);
    });
    if (pane) pane.destroy();
    pane = previewPane({ draft: previewBody, getLang: () => previewLang, onLang: (l) => setPreviewLang(l) });
    root.replaceChildren(form, pane.el);
    drawMapSlot();
    drawSlides();
    setDirtyMark();
    preview();
  }

  /** The map section, for a node of kind map only. */
  function drawMapSlot() {
    const slot = form.querySelector('.ed-map-slot');
    slot.replaceChildren(draft.kind === 'map' ? mapSection(ed) : '');
    applyErrors();
  }

  function drawSlides() {
    const slot = form.querySelector('.ed-slides-slot');
    const had = document.activeElement && slot.contains(document.activeElement) ? document.activeElement.dataset.path : null;
    slot.replaceChildren(slidesSection(ed));
    applyErrors();
    if (had) {
      const c = slot.querySelector(`[data-path="${CSS.escape(had)}"]`);
      if (c) c.focus();
    }
  }

  function applyErrors() {
    if (!form) return;
    clearErrors(form);
    for (const [p, m] of errors) showError(form, p, m);
    for (const [p, m] of local) showError(form, p, m);
  }

  function summary(list) {
    const box = form.querySelector('.ed-summary');
    box.replaceChildren();
    box.hidden = !list.length;
    if (!list.length) return;
    box.append(h('p', { text: t('edFix', { n: list.length }) }));
    const ul = h('ul');
    for (const [p, m] of list) {
      ul.append(h('li', {}, h('button', { type: 'button', class: 'linkish', text: m, onclick: () => focusField(p) })));
    }
    box.append(ul);
  }

  /** Puts the cursor in the field at `path` (selecting its slide first). */
  function focusField(path) {
    const m = /^slides\[(\d+)\]/.exec(path || '');
    if (m && Number(m[1]) !== ed.selected && Number(m[1]) < draft.slides.length) {
      ed.selected = Number(m[1]);
      drawSlides();
      preview();
    }
    const c = controlFor(form, path || '');
    if (c) {
      c.focus();
      if (c.scrollIntoView) c.scrollIntoView({ block: 'center' });
    }
  }

  // ------------------------------------------------------------------ checks and saving
  /** The page's own checks before sending: a title, and every required number. */
  function check() {
    const title = cleanLoc(draft.title);
    if (!Object.keys(title).length) local.set('title.kk', t('edTitleRequired'));
    else local.delete('title.kk');
    draft.slides.forEach((s, i) => {
      if (s.layout !== 'figures') return;
      (s.figures || []).forEach((f, k) => {
        const p = `slides[${i}].figures[${k}].value`;
        if (!local.has(p) && !Number.isFinite(f.value)) local.set(p, t('edRequired'));
      });
    });
    // Numbers of fields the layout no longer shows do not stop a save (they are not sent).
    for (const p of [...local.keys()]) {
      const m = /^slides\[(\d+)\]\.figures/.exec(p);
      if (m && (!draft.slides[m[1]] || draft.slides[m[1]].layout !== 'figures')) local.delete(p);
    }
    return [...local.entries()];
  }

  async function saveNow() {
    if (saving || !draft) return;
    const problems = check();
    applyErrors();
    if (problems.length) {
      summary(problems);
      focusField(problems[0][0]);
      return;
    }
    const patch = changes(original, draft);
    if (!Object.keys(patch).length) {
      toast(t('edNothing'));
      return;
    }
    saving = true;
    const st = form.querySelector('.ed-state');
    st.textContent = t('edSaving');
    form.querySelector('#ed-save').disabled = true;
    try {
      const edited = await api('PATCH', `nodes/${encodeURIComponent(key)}`, { base: rev, ...patch });
      errors.clear();
      const fresh = await api('GET', `nodes/${encodeURIComponent(key)}`);
      saving = false;
      take(fresh, true);
      notes(edited && edited.notes);
      toast(t('saved'));
      if (onSaved) onSaved(edited, fresh.node);
    } catch (err) {
      saving = false;
      if (gone) return;
      form.querySelector('#ed-save').disabled = false;
      setDirtyMark();
      if (err.status === 409 && err.body && err.body.reason === 'stale') {
        // What others stored is the node now: the tree shows it while this is decided.
        if (onSaved) onSaved(null, err.body.current);
        const choice = await resolveConflict(original, draft, err.body.current, patchable);
        if (choice === 'theirs') take({ ...info, node: err.body.current }, true);
        else if (choice === 'mine') {
          // On top of theirs: the fields changed here (against the revision this edit
          // started from) overwrite theirs; every other change of theirs stays.
          rev = err.body.current.rev;
          saveNow();
        }
        return;
      }
      if (err.status === 422) {
        errors.clear();
        const list = [];
        for (const d of Array.isArray(err.body.diagnostics) ? err.body.diagnostics : []) {
          if (d.severity && d.severity !== 'error') continue;
          const p = nodeRelative(d.field);
          errors.set(p, errors.has(p) ? `${errors.get(p)} · ${d.message}` : d.message);
          list.push([p, d.message]);
        }
        if (!list.length) list.push(['', err.message]);
        drawSlides();
        summary(list);
        focusField(list[0][0]);
        return;
      }
      toast(err.status === 404 ? t('edGone') : `${t('error')}: ${err.message}`, 'error');
    }
  }

  function notes(list) {
    const box = form.querySelector('.ed-notes');
    const warn = (Array.isArray(list) ? list : []).filter((d) => d && d.message);
    box.hidden = !warn.length;
    box.replaceChildren();
    if (!warn.length) return;
    box.append(h('p', { class: 'warn', text: t('edNotes') }), h('ul', {}, warn.map((d) => h('li', { text: d.message }))));
  }

  function revertAll() {
    if (!dirty()) return;
    take({ ...info, node: original }, false);
  }

  /** Shows `answer` (a GET /api/nodes/{key} answer); `fresh`: it is the stored state. */
  function take(answer, fresh) {
    info = answer;
    if (fresh) {
      data.forget();
      original = structuredClone(answer.node);
      rev = answer.node.rev;
    }
    draft = structuredClone(original);
    if (!Array.isArray(draft.slides)) draft.slides = [];
    raw.clear();
    local.clear();
    errors.clear();
    ed.selected = Math.min(ed.selected, Math.max(0, draft.slides.length - 1));
    draw();
  }

  function beforeUnload(ev) {
    if (dirty()) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  }
  window.addEventListener('beforeunload', beforeUnload);

  // A link to another view of the admin asks first while there are unsaved changes
  // (closing or reloading the page: the browser's own question, above).
  async function guardLinks(ev) {
    const a = ev.target && ev.target.closest ? ev.target.closest('a[href^="#"]') : null;
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || !dirty()) return;
    ev.preventDefault();
    const go = await ask(t('edLeaveQ'), [h('p', { text: t('edLeaveText') })], [{ label: t('edLeave'), value: 'leave', kind: 'danger' }]);
    if (go === 'leave' && !gone) {
      draft = structuredClone(original);
      local.clear();
      location.hash = a.getAttribute('href');
    }
  }
  document.addEventListener('click', guardLinks, true);

  (async () => {
    try {
      const answer = await api('GET', `nodes/${encodeURIComponent(key)}`);
      if (gone) return;
      const m = /^slides\[(\d+)\]/.exec(focus || '');
      if (m) ed.selected = Number(m[1]);
      const fl = /\.(kk|ru)$/.exec(focus || '');
      if (fl) previewLang = fl[1];
      take(answer, true);
      if (focus) focusField(focus);
    } catch (err) {
      if (gone) return;
      root.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.status === 404 ? t('edGone') : `${t('error')}: ${err.message}` }));
    }
  })();

  return {
    destroy() {
      gone = true;
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', guardLinks, true);
      if (pane) pane.destroy();
    },
    isDirty: dirty,
  };
}
