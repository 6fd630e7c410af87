// The node editor's map section (a node of kind `map`): which map it shows (the
// built-in map of Kazakhstan first, then the uploaded ones), the map drawn with the
// linked regions marked, a region clicked (or Enter on it) → a chooser: search a node,
// or take one of this node's children, or unlink; and the list of links, each region's
// name in the admin's language → the linked node's current title. Links name nodes by
// key, so they survive moves and renames: titles are looked up by key each time the
// editor opens, and a link whose node is gone is marked. Saving goes with the node's
// other fields (`map` in the editor's one PATCH).
import { api, list } from './api.js';
import { h, ask, field, toast } from './dom.js';
import { t, pick } from './i18n.js';
import { drawMap, loadMap, regionName } from './map-svg.js';

const enc = encodeURIComponent;
/** Maps with at most this many regions have each region focusable on the map itself. */
const FOCUSABLE = 60;

/** The map `draft` shows: its own, else the built-in `kz`. */
export function mapIdOf(draft) {
  return (draft && draft.map && draft.map.map) || 'kz';
}

/** `draft`'s links (an empty list when it has none). */
export function linksOf(draft) {
  return draft && draft.map && Array.isArray(draft.map.links) ? draft.map.links : [];
}

/** A node's `map` as PATCH sends it (null when none). */
export function cleanMap(m) {
  if (!m || !m.map) return null;
  return { map: String(m.map), links: (Array.isArray(m.links) ? m.links : []).map((l) => ({ region: l.region, node: l.node })) };
}

/**
 * What the section needs of the editor, made once per editor: `maps()` (the list of
 * maps, fetched once), `title(key)` (a node's `{title, label}` or `{gone: true}`, by
 * key, fetched once; `remember(key, v)` fills it from a search result).
 */
export function mapData() {
  let maps = null;
  const titles = new Map();
  return {
    maps() {
      if (!maps) {
        maps = api('GET', 'maps').then((x) => list(x, 'maps'));
        maps.catch(() => { maps = null; });
      }
      return maps;
    },
    title(key) {
      if (!titles.has(key)) {
        const p = api('GET', `nodes/${enc(key)}`).then(
          (d) => ({ title: d.node.title, label: d.node.label || null }),
          (err) => (err.status === 404 ? { gone: true } : { error: err.message || String(err.status) }));
        titles.set(key, p);
      }
      return titles.get(key);
    },
    remember(key, v) {
      titles.set(key, Promise.resolve(v));
    },
    forget() {
      titles.clear();
      maps = null;
    },
  };
}

/** A node's name as the admin shows it: its label, then its title. */
function nodeText(v, key) {
  if (!v) return key;
  const title = pick(v.title) || key;
  return v.label ? `${v.label} ${title}` : title;
}

/**
 * The section. `ed` is the editor: `draft`, `set(path, value)`, `key` (this node),
 * `children` (its children as the tree shows them), `data` (a [`mapData`]),
 * `redrawMap()` (draws this section again, and the slides whose region list follows
 * the map), `onOpen(key)` (opens another node, or null).
 */
export function mapSection(ed) {
  const id = mapIdOf(ed.draft);
  const sec = h('section', { class: 'ed-map card', 'data-field': 'map', 'data-map': id, 'aria-labelledby': 'ed-map-h' },
    h('h3', { id: 'ed-map-h', text: t('mlTitle') }),
    h('p', { class: 'hint', text: t('mlHint') }),
    h('p', { class: 'ef-error', role: 'alert', 'data-error-for': 'map', hidden: true }));
  const chooser = h('select', { id: 'ed-map-select', 'data-path': 'map.map' }, h('option', { value: id, text: id }));
  chooser.value = id;
  chooser.addEventListener('change', () => changeMap(ed, chooser.value));
  const canvas = h('div', { class: 'ed-map-canvas' }, h('p', { class: 'muted', text: t('loading') }));
  const linksBox = h('div', { class: 'ed-map-links' });
  sec.append(field(t('mlMap'), chooser), canvas, linksBox);

  ed.data.maps().then((rows) => {
    const sorted = [...rows].sort((a, b) => (b.builtin ? 1 : 0) - (a.builtin ? 1 : 0) || pick(a.name).localeCompare(pick(b.name)));
    const opts = sorted.map((m) => h('option', {
      value: m.id, text: `${pick(m.name) || m.id}${m.builtin ? ` · ${t('mpBuiltin')}` : ''} (${t('mpFeaturesN', { n: m.features })})`,
    }));
    if (!sorted.some((m) => m.id === id)) opts.push(h('option', { value: id, text: `${id} · ${t('mlMapMissing')}` }));
    chooser.replaceChildren(...opts);
    chooser.value = id;
    sec.dataset.mapsReady = 'true';
  }, (err) => {
    sec.dataset.mapsReady = 'error';
    chooser.after(h('p', { class: 'form-error', role: 'alert', text: `${t('error')}: ${err.message}` }));
  });

  loadMap(id).then((doc) => {
    const onPick = (code) => choose(ed, doc, code);
    canvas.replaceChildren(drawMap(doc, { links: linksOf(ed.draft), interactive: doc.features.length <= FOCUSABLE, onPick }));
    if (doc.attribution) canvas.append(h('p', { class: 'hint map-attribution', text: doc.attribution }));
    linksBox.replaceChildren(regionPicker(doc, onPick), linkList(ed, doc));
    sec.dataset.ready = 'true';
  }, (err) => {
    canvas.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.status === 404 ? t('mlMapMissing') : `${t('error')}: ${err.message}` }));
    sec.dataset.ready = 'error';
  });
  return sec;
}

/** Shows another map: links to regions it does not have are dropped (and said so). */
async function changeMap(ed, id) {
  let doc;
  try {
    doc = await loadMap(id);
  } catch (err) {
    toast(`${t('error')}: ${err.message}`, 'error');
    ed.redrawMap();
    return;
  }
  const codes = new Set(doc.features.map((f) => f.id));
  const before = linksOf(ed.draft);
  const kept = before.filter((l) => codes.has(l.region));
  ed.set('map', { map: id, links: kept });
  if (kept.length < before.length) toast(t('mlDropped', { n: before.length - kept.length }));
  ed.redrawMap();
}

function setLink(ed, region, node) {
  const links = linksOf(ed.draft).map((l) => ({ ...l }));
  const i = links.findIndex((l) => l.region === region);
  if (i >= 0) links[i].node = node;
  else links.push({ region, node });
  ed.set('map', { map: mapIdOf(ed.draft), links });
  ed.redrawMap();
}

function unlink(ed, region) {
  ed.set('map', { map: mapIdOf(ed.draft), links: linksOf(ed.draft).filter((l) => l.region !== region) });
  ed.redrawMap();
}

/** A node to choose in the chooser: a submit button whose value is `node:KEY`. */
function nodeChoice(key, v, extra) {
  return h('li', {}, h('button', { type: 'submit', class: 'linkish ml-node', value: `node:${key}`, 'data-node': key, text: nodeText(v, key) }),
    extra ? h('small', { class: 'muted', text: ` ${extra}` }) : null);
}

/** The chooser for region `code` of `doc`: search a node, a child, or unlink. */
async function choose(ed, doc, code) {
  const f = doc.features.find((x) => x.id === code);
  const name = `${regionName(f)} (${code})`;
  const cur = linksOf(ed.draft).find((l) => l.region === code);
  const seen = new Map(); // key -> {title, label} of every node offered
  const q = h('input', { type: 'search', id: 'ml-search', autocomplete: 'off', spellcheck: 'false' });
  const results = h('ul', { class: 'ml-results', id: 'ml-results', 'aria-live': 'polite' });
  let seq = 0;
  let timer = 0;
  const search = async () => {
    clearTimeout(timer);
    const text = q.value.trim();
    const n = ++seq;
    if (!text) {
      results.replaceChildren();
      delete results.dataset.q;
      return;
    }
    try {
      const r = await api('GET', `search?q=${enc(text)}&limit=20`);
      if (n !== seq) return;
      const hits = list(r, 'results').filter((x) => x.key !== ed.key);
      for (const x of hits) seen.set(x.key, { title: x.title, label: x.label || null });
      results.replaceChildren(...(hits.length
        ? hits.map((x) => nodeChoice(x.key, x, (x.path || []).map((p) => pick(p)).join(' › ')))
        : [h('li', { class: 'muted', text: t('ctNothingFound') })]));
      results.dataset.q = text;
    } catch (err) {
      if (n === seq) results.replaceChildren(h('li', { class: 'form-error', text: `${t('error')}: ${err.message}` }));
    }
  };
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  // Enter searches now (it would otherwise press the dialog's first button).
  q.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      search();
    }
  });
  const kids = ed.children.filter((c) => c.key !== ed.key);
  for (const c of kids) seen.set(c.key, { title: c.title, label: c.label || null });
  const body = [];
  if (cur) {
    const now = h('p', { class: 'ml-now' }, t('mlNow'), ' ', h('strong', { text: cur.node }));
    ed.data.title(cur.node).then((v) => { now.lastChild.textContent = v.gone ? t('mlGone') : nodeText(v, cur.node); });
    body.push(now);
  }
  body.push(field(t('mlSearch'), q), results);
  if (kids.length) body.push(h('p', { class: 'ml-sub', text: t('mlChildren') }), h('ul', { class: 'ml-children' }, kids.map((c) => nodeChoice(c.key, c))));
  const got = await ask(t('mlChoose', { name }), body, cur ? [{ label: t('mlUnlink'), value: 'unlink', kind: 'danger' }] : []);
  clearTimeout(timer);
  seq++;
  if (got === 'unlink') unlink(ed, code);
  else if (got && got.startsWith('node:')) {
    const key = got.slice(5);
    if (seen.has(key)) ed.data.remember(key, seen.get(key));
    setLink(ed, code, key);
    toast(t('mlLinked', { region: regionName(f) || code, node: nodeText(seen.get(key), key) }));
  }
}

/** Every region by name, for the keyboard and for maps of many small regions. */
function regionPicker(doc, onPick) {
  const sel = h('select', { id: 'ml-region' }, doc.features.map((f) => [f.id, regionName(f)])
    .sort((a, b) => a[1].localeCompare(b[1])).map(([v, n]) => h('option', { value: v, text: `${n} · ${v}` })));
  const go = h('button', { type: 'button', class: 'btn btn-quiet', id: 'ml-region-go', text: t('mlLinkRegion'), onclick: () => onPick(sel.value) });
  return h('div', { class: 'row ml-picker' }, field(t('mlRegion'), sel), go);
}

/** The list of links: region → node (its current title), change and unlink buttons. */
function linkList(ed, doc) {
  const links = linksOf(ed.draft);
  const head = h('h4', { text: t('mlLinkedN', { n: links.length, of: doc.features.length }) });
  if (!links.length) return h('div', {}, head, h('p', { class: 'muted', text: t('mlNone') }));
  const ul = h('ul', { class: 'ml-links', id: 'ml-links' });
  for (const l of links) {
    const f = doc.features.find((x) => x.id === l.region);
    const target = h('span', { class: 'ml-target', text: t('loading') });
    const li = h('li', { 'data-region': l.region, 'data-node': l.node },
      h('button', { type: 'button', class: 'linkish ml-region', text: `${f ? regionName(f) : l.region} · ${l.region}`, onclick: () => choose(ed, doc, l.region) }),
      h('span', { class: 'muted', text: ' → ' }), target,
      h('button', { type: 'button', class: 'btn btn-quiet btn-danger-text', 'data-unlink': l.region, text: t('mlUnlink'), onclick: () => unlink(ed, l.region) }));
    if (!f) li.append(h('small', { class: 'warn', text: ` ${t('mlNoRegion')}` }));
    ed.data.title(l.node).then((v) => {
      if (v.gone) {
        li.dataset.gone = 'true';
        target.textContent = t('mlGone');
        target.classList.add('warn');
      } else if (v.error) {
        target.textContent = `${t('error')}: ${v.error}`;
      } else if (ed.onOpen) {
        target.replaceChildren(h('button', { type: 'button', class: 'linkish', text: nodeText(v, l.node), onclick: () => ed.onOpen(l.node) }));
      } else {
        target.textContent = nodeText(v, l.node);
      }
      li.dataset.resolved = 'true';
    });
    ul.append(li);
  }
  return h('div', {}, head, ul);
}
