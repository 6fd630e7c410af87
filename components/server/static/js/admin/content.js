// Content: one screen's tree of nodes (content-tree.js) on the left, the node and slide
// editor (editor.js's `mountEditor`) on the right. `#/content/{screen}` and
// `#/content/{screen}/{key}[?field=F]` (the editor focused on field F). The toolbar acts
// on the focused node: add a child, rename, duplicate, move, delete (saying how many
// nodes go with it). Search in both languages; the translation report; Publish.
// Every change is one API call; a stale one (409) reloads the node and says so.
import { api, list } from './api.js';
import { h, field, toast, ask } from './dom.js';
import { t, pick } from './i18n.js';
import { TreeView } from './content-tree.js';

const enc = encodeURIComponent;

/** Whether this page made changes since it last published (the Publish reminder). */
let pending = false;

/**
 * The screens as last loaded: the view opens from them at once and checks them again
 * meanwhile (a screen whose root changed is shown again).
 */
let screensCache = null;

const rootOf = (screens, id) => {
  const s = (screens || []).find((x) => String(x.id) === String(id));
  return s ? (s.root_node ? s.root_node.key : s.root) : null;
};

/** The screen, node and field of `#/content/{screen}/{key}?field=F`. */
function parseRoute() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query || '');
  return { screen: parts[1] || null, key: parts[2] || null, focus: q.get('field') || null };
}

/** `{kk, ru}` from two inputs, leaving out an empty one (and keeping `keep.en`). */
function titles(kk, ru, keep) {
  const o = {};
  if (kk.trim()) o.kk = kk.trim();
  if (ru.trim()) o.ru = ru.trim();
  if (keep && keep.en) o.en = keep.en;
  return o;
}

/** Two title fields (Kazakh, Russian), filled from `title`. */
function titleFields(title = {}) {
  const kk = h('input', { name: 'title_kk', lang: 'kk', required: true, value: title.kk || '', autocomplete: 'off' });
  const ru = h('input', { name: 'title_ru', lang: 'ru', required: true, value: title.ru || '', autocomplete: 'off' });
  return { kk, ru, fields: [field(t('ctTitleKk'), kk), field(t('ctTitleRu'), ru)] };
}

export function render(main, { describe, rerender }) {
  const route = parseRoute();
  let alive = true;
  let screen = null; // the screen's settings (GET /api/screens)
  let editor = null; // { destroy(), isDirty() } of editor.js
  let editorKey = null;
  let openSeq = 0;

  const status = h('p', { class: 'sr-status', id: 'tree-status', role: 'status', 'aria-live': 'polite' });
  const say = (msg) => { status.textContent = msg; };
  const picker = h('select', { id: 'content-screen', 'aria-label': t('screen') });
  const search = h('input', { type: 'search', id: 'content-search', placeholder: t('ctSearch'), 'aria-label': t('ctSearch'), autocomplete: 'off' });
  const results = h('div', { class: 'search-results', id: 'search-results', role: 'region', 'aria-label': t('ctResults'), hidden: true });
  const report = h('a', { class: 'btn btn-quiet', id: 'translations-link', text: t('ctTranslations') });
  const unpublished = h('span', { class: 'unpublished', id: 'unpublished', hidden: !pending, text: t('ctUnpublished') });
  const publish = h('button', { class: `btn ${pending ? 'btn-attn' : ''}`, type: 'button', id: 'content-publish', text: t('publish') });
  const tools = h('div', { class: 'tree-tools', role: 'toolbar', 'aria-label': t('ctActions'), 'aria-controls': 'tree' });
  const treeBox = h('div', { class: 'tree-box' });
  const pane = h('section', { class: 'content-pane', id: 'content-pane', 'aria-label': t('ctEditor') });
  main.replaceChildren(
    h('div', { class: 'content-head' },
      h('h1', { text: t('content') }),
      h('div', { class: 'content-bar' }, picker, h('div', { class: 'content-search' }, search, results),
        report, unpublished, publish)),
    h('div', { class: 'content-split' },
      h('aside', { class: 'content-side card' }, tools, treeBox, status),
      pane));

  const changed = () => {
    pending = true;
    unpublished.hidden = false;
    publish.classList.add('btn-attn');
  };

  // Changes made elsewhere (another editor, an import) count too.
  api('GET', 'unpublished').then((r) => { if (r && r.pending) changed(); }).catch(() => {});

  const tree = new TreeView({
    onOpen: (key) => open(key, null, true),
    onMove: (key, parent, index) => move(key, parent, index),
    onKey: (name, key) => ({ rename, delete: remove, add })[name](key),
    onError: (err) => toast(describe(err), 'error'),
  });
  treeBox.append(tree.el);

  const current = () => tree.active || tree.root;
  const button = (id, label, act, kbd) => h('button', {
    class: 'btn btn-quiet', type: 'button', id, text: label, 'aria-keyshortcuts': kbd || false,
    onclick: () => { const it = current(); if (it) act(it.key); },
  });
  tools.append(
    button('node-add', t('ctAdd'), add, 'Insert'),
    button('node-rename', t('ctRename'), rename, 'F2'),
    button('node-duplicate', t('ctDuplicate'), duplicate),
    button('node-move', t('ctMoveTo'), moveTo),
    button('node-delete', t('remove'), remove, 'Delete'),
    h('p', { class: 'hint tree-hint', text: t('ctKeys') }));

  /** The editor shows `key` without unsaved changes (so it may be reloaded). */
  const editorClean = (key) => editorKey === key && !(editor && editor.isDirty && editor.isDirty());

  /**
   * A failed change: a stale base (409) or a node gone meanwhile (404) reloads what
   * the tree shows of it and says so.
   */
  async function fail(err, key) {
    const stale = err.status === 409 && err.body && err.body.reason === 'stale';
    toast(stale ? t('ctStale') : describe(err), 'error');
    if (stale || err.status === 404) {
      await refresh(key).catch(() => {});
      if (stale && editorClean(key)) open(key, null, false);
    }
  }

  /** Reloads the list `key` is in (its row's summary), or the root's own row. */
  async function refresh(key) {
    const it = tree.items.get(key);
    if (!it) return;
    if (it === tree.root) {
      await loadRoot(false);
      return;
    }
    const p = tree.items.get(it.parent);
    if (p) await tree.load(p);
  }

  /**
   * Loads the screen's root and its children; the root's own summary (its missing
   * translations) follows from its parent's list, off the way to a usable tree.
   */
  async function loadRoot(initial) {
    const rootKey = screen.root_node ? screen.root_node.key : screen.root;
    const d = await api('GET', `nodes/${enc(rootKey)}`);
    if (!alive) return;
    const parent = d.path && d.path.length ? d.path[d.path.length - 1].key : null;
    const n = d.node;
    const sum = { key: n.key, label: n.label, kind: n.kind, title: n.title, rev: n.rev, children: (d.children || []).length, slides: (n.slides || []).length, missing: [] };
    if (initial) {
      tree.setRoot(sum, parent, d.children || []);
    } else {
      tree.root.sum = sum;
      tree.setKids(tree.root, d.children || []);
      tree.renderGroup(tree.root);
      tree.update(tree.root);
    }
    api('GET', parent ? `nodes?parent=${enc(parent)}` : 'nodes').then((siblings) => {
      const full = (siblings.nodes || []).find((x) => x.key === n.key);
      if (!alive || !full || !tree.root || tree.root.key !== n.key || tree.root.sum.rev !== full.rev) return;
      tree.root.sum = { ...full, children: tree.root.sum.children };
      tree.update(tree.root);
    }).catch(() => {});
  }

  /** Opens `key` in the editor, expanding the tree down to it. */
  async function open(key, focus, push) {
    const seq = ++openSeq;
    if (editor && editorKey !== key && editor.isDirty && editor.isDirty()) {
      const go = await ask(t('ctUnsavedTitle'), [h('p', { text: t('ctUnsaved') })], [{ label: t('ctDiscard'), value: 'discard', kind: 'danger' }]);
      if (go !== 'discard' || seq !== openSeq) return;
    }
    let d;
    try {
      d = await api('GET', `nodes/${enc(key)}`);
    } catch (err) {
      toast(describe(err), 'error');
      return;
    }
    if (!alive || seq !== openSeq) return;
    const path = (d.path || []).map((p) => p.key);
    const from = path.indexOf(tree.root.key);
    if (key !== tree.root.key && from < 0) toast(t('ctNotOnScreen'), 'error');
    else await tree.reveal(key === tree.root.key ? [] : path.slice(from), key);
    if (!alive || seq !== openSeq) return;
    tree.select(key);
    if (push) history.pushState(null, '', `#/content/${enc(screen.id)}/${enc(key)}`);
    if (editor) editor.destroy();
    editor = null;
    editorKey = key;
    pane.dataset.key = key;
    let mod = null;
    try {
      mod = await import('./editor.js');
    } catch {
      mod = null;
    }
    if (!alive || seq !== openSeq) return;
    pane.replaceChildren();
    if (mod && mod.mountEditor) {
      editor = mod.mountEditor(pane, {
        key, screen: screen.id, focus: focus || undefined,
        onSaved: () => { changed(); refresh(key).catch(() => {}); },
        onOpen: (k) => open(k, null, true),
      });
    } else {
      // Without the editor module: the node's title, so the view still works.
      pane.append(h('div', { class: 'card' }, h('h2', { class: 'node-title', text: pick(d.node.title) }),
        h('p', { class: 'muted', text: t('ctNoEditor') })));
    }
  }

  async function add(key) {
    const it = tree.items.get(key);
    const f = titleFields();
    const go = await ask(t('ctAddTitle', { title: pick(it.sum.title) }), f.fields, [{ label: t('add'), value: 'add' }]);
    if (go !== 'add') return;
    try {
      const r = await api('POST', 'nodes', { parent: key, title: titles(f.kk.value, f.ru.value) });
      changed();
      await tree.load(it);
      await tree.expand(it);
      say(t('ctAdded', { title: pick(titles(f.kk.value, f.ru.value)) }));
      await open(r.key, null, true);
    } catch (err) {
      await fail(err, key);
    }
  }

  async function rename(key) {
    const it = tree.items.get(key);
    const f = titleFields(it.sum.title || {});
    const go = await ask(t('ctRenameTitle', { title: pick(it.sum.title) }), f.fields, [{ label: t('save'), value: 'save' }]);
    if (go !== 'save') return;
    try {
      await api('PATCH', `nodes/${enc(key)}`, { base: it.sum.rev, title: titles(f.kk.value, f.ru.value, it.sum.title) });
      changed();
      await refresh(key);
      say(t('saved'));
      if (editorClean(key)) open(key, null, false);
    } catch (err) {
      await fail(err, key);
    }
  }

  async function duplicate(key) {
    const it = tree.items.get(key);
    if (it === tree.root) return toast(t('ctRootStays'), 'error');
    try {
      const r = await api('POST', `nodes/${enc(key)}/duplicate`, {});
      changed();
      await tree.load(tree.items.get(it.parent));
      say(t('ctDuplicated', { n: r.created }));
      toast(t('ctDuplicated', { n: r.created }));
      await open(r.key, null, true);
    } catch (err) {
      await fail(err, key);
    }
  }

  async function move(key, parent, index) {
    const it = tree.items.get(key);
    if (!it || it === tree.root) return;
    const old = it.parent;
    const body = { base: it.sum.rev, parent };
    if (index != null) body.index = index;
    try {
      await api('POST', `nodes/${enc(key)}/move`, body);
      changed();
      // A move is a change of the node: an editor open on it takes its new revision.
      if (editorClean(key)) open(key, null, false);
      const np = tree.items.get(parent);
      await tree.load(np);
      await tree.expand(np);
      if (old !== parent && tree.items.get(old)) await tree.load(tree.items.get(old));
      const moved = tree.items.get(key);
      if (moved) {
        tree.setActive(moved, true);
        const at = np.kids.indexOf(key) + 1;
        say(t('ctMoved', { title: pick(moved.sum.title), parent: pick(np.sum.title), n: at }));
      }
    } catch (err) {
      await fail(err, key);
    }
  }

  /** "Move to…": a new parent found by search; the node goes last among its children. */
  async function moveTo(key) {
    const it = tree.items.get(key);
    if (it === tree.root) return toast(t('ctRootStays'), 'error');
    const q = h('input', { type: 'search', name: 'parent_q', autocomplete: 'off' });
    const choices = h('div', { class: 'move-choices', role: 'radiogroup', 'aria-label': t('ctNewParent') });
    let timer = 0;
    const find = async () => {
      const text = q.value.trim();
      if (!text) { choices.replaceChildren(); return; }
      try {
        const r = await api('GET', `search?q=${enc(text)}&screen=${enc(screen.id)}&limit=20`);
        choices.replaceChildren(...(r.results || []).filter((x) => x.key !== key).map((x) => h('label', { class: 'check' },
          h('input', { type: 'radio', name: 'parent', value: x.key }),
          h('span', {}, pick(x.title), ' ', h('small', { class: 'muted', text: (x.path || []).map(pick).join(' › ') })))));
      } catch (err) {
        choices.replaceChildren(h('p', { class: 'form-error', text: describe(err) }));
      }
    };
    q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 200); });
    const go = await ask(t('ctMoveTitle', { title: pick(it.sum.title) }), [field(t('ctNewParent'), q), choices],
      [{ label: t('ctMove'), value: 'move' }]);
    const chosen = choices.querySelector('input:checked');
    if (go !== 'move' || !chosen) return;
    const target = chosen.value;
    try {
      const d = await api('GET', `nodes/${enc(target)}`);
      const path = d.path.map((p) => p.key);
      const from = path.indexOf(tree.root.key);
      if (target !== tree.root.key && from < 0) return toast(t('ctNotOnScreen'), 'error');
      await tree.reveal(target === tree.root.key ? [] : path.slice(from), target);
      await move(key, target, null);
    } catch (err) {
      await fail(err, key);
    }
  }

  async function remove(key) {
    const it = tree.items.get(key);
    if (it === tree.root) return toast(t('c_screen_root'), 'error');
    const title = pick(it.sum.title);
    let n = 0;
    try {
      if (it.sum.children) n = (await api('GET', `nodes/${enc(key)}`)).descendants || 0;
    } catch (err) {
      return fail(err, key);
    }
    const text = n ? t('ctDeleteMany', { title, n }) : t('ctDeleteOne', { title });
    const go = await ask(t('ctDeleteTitle', { title }), [h('p', { class: n ? 'warn' : '', id: 'delete-count', 'data-descendants': String(n), text })],
      [{ label: t('remove'), value: 'delete', kind: 'danger' }]);
    if (go !== 'delete') return;
    try {
      const r = await api('DELETE', `nodes/${enc(key)}?base=${enc(it.sum.rev)}`);
      changed();
      const parent = tree.items.get(it.parent);
      const wasOpen = editorKey && (editorKey === key || (tree.items.get(editorKey) && it.li.contains(tree.items.get(editorKey).li)));
      await tree.load(parent);
      tree.setActive(parent, true);
      if (wasOpen) {
        if (editor) editor.destroy();
        editor = null;
        editorKey = null;
        pane.replaceChildren();
      }
      say(t('ctDeleted', { n: r.removed }));
      toast(t('ctDeleted', { n: r.removed }));
    } catch (err) {
      await fail(err, key);
    }
  }

  // Search: titles and texts in both languages, as you type.
  let searchTimer = 0;
  let searchSeq = 0;
  const runSearch = async () => {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (!q) { results.hidden = true; results.replaceChildren(); return; }
    try {
      const r = await api('GET', `search?q=${enc(q)}&screen=${enc(screen.id)}&limit=50`);
      if (seq !== searchSeq || !alive) return;
      const rows = (r.results || []).map((x) => h('li', {},
        h('button', {
          type: 'button', class: 'result', 'data-key': x.key,
          onclick: () => {
            results.hidden = true;
            open(x.key, x.field && !x.field.startsWith('title') ? x.field : null, true);
          },
        },
          h('span', { class: 'result-title', text: pick(x.title) || t('ctUntitled') }),
          x.label ? h('span', { class: 'tree-label', text: x.label }) : null,
          h('span', { class: 'result-path', text: (x.path || []).map(pick).join(' › ') }),
          x.snippet ? h('span', { class: 'result-snippet', text: x.snippet }) : null)));
      results.replaceChildren(
        h('p', { class: 'muted', text: rows.length ? t('ctFound', { n: rows.length }) + (r.more ? '+' : '') : t('ctNothingFound') }),
        h('ul', {}, rows));
      results.hidden = false;
    } catch (err) {
      results.replaceChildren(h('p', { class: 'form-error', text: describe(err) }));
      results.hidden = false;
    }
  };
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 200); });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { search.value = ''; runSearch(); }
  });
  // Back in the box: the last results again.
  search.addEventListener('focus', () => { if (search.value.trim() && results.childElementCount) results.hidden = false; });

  publish.addEventListener('click', async () => {
    const note = h('input', { name: 'note', maxlength: '500' });
    const go = await ask(t('publishTitle'), [h('p', { class: 'muted', text: t('ctPublishText') }), field(t('note'), note)],
      [{ label: t('publish'), value: 'publish' }]);
    if (go !== 'publish') return;
    publish.disabled = true;
    try {
      const r = await api('POST', 'publish', { note: note.value });
      toast(r && r.published === false ? t('nothingToPublish') : t('published', { v: (r && r.version) ?? '' }));
      pending = false;
      unpublished.hidden = true;
      publish.classList.remove('btn-attn');
      say(t('published', { v: (r && r.version) ?? '' }));
    } catch (err) {
      toast(describe(err), 'error');
    } finally {
      publish.disabled = false;
    }
  });

  picker.addEventListener('change', () => { location.hash = `#/content/${enc(picker.value)}`; });

  const fillPicker = (screens) => {
    picker.replaceChildren(...screens.map((s) => h('option', { value: s.id, text: `${s.id} · ${pick(s.name)}` })));
    picker.value = screen.id;
  };

  (async () => {
    try {
      const fresh = api('GET', 'screens').then((b) => list(b, 'screens'));
      const cached = screensCache;
      const screens = cached || await fresh;
      screensCache = screens;
      if (!alive) return;
      if (!screens.length) {
        treeBox.replaceChildren(h('p', { class: 'muted', text: t('ctNoScreens') }));
        return;
      }
      screen = screens.find((s) => String(s.id) === route.screen) || screens[0];
      fillPicker(screens);
      report.href = `#/translations/${enc(screen.id)}`;
      if (cached) {
        fresh.then((now) => {
          screensCache = now;
          if (!alive) return;
          if (rootOf(now, screen.id) !== rootOf(cached, screen.id)) rerender();
          else fillPicker(now);
        }).catch(() => {});
      }
      await loadRoot(true);
      if (!alive) return;
      if (route.key) await open(route.key, route.focus, false);
      // The tree is usable (and the node of the URL open): for people and for tests.
      if (alive) main.dataset.ready = 'true';
    } catch (err) {
      if (alive) treeBox.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
    }
  })();

  return () => {
    alive = false;
    clearTimeout(searchTimer);
    if (editor) editor.destroy();
    delete main.dataset.ready;
  };
}
