// The content tree widget of the content view: one screen's nodes from its root, loaded
// a level at a time (`GET /api/nodes?parent=KEY` when a node is expanded), long child
// lists rendered in chunks. ARIA tree (treeitem, aria-level, aria-expanded, roving
// tabindex) with the keyboard: ↑/↓/Home/End move, → expands or goes in, ← collapses or
// goes out, Enter opens; Alt+↑/↓ reorder, Alt+←/→ outdent/indent; HTML5 drag and drop
// (before, after or inside a node). The widget changes nothing itself: moves and other
// actions go to the handlers the view gives (`onMove`, `onOpen`, `onKey`).
import { api } from './api.js';
import { h } from './dom.js';
import { t, pick } from './i18n.js';

/** Rows rendered at once before the rest of a long child list follows frame by frame. */
const FIRST = 120;
const CHUNK = 400;

/** The languages a node must have (`missing` in the API's node summaries). */
const LANGS = ['kk', 'ru'];

/** A DragEvent's data type of a node being dragged. */
const DRAG_TYPE = 'application/x-ekran-node';

export class TreeView {
  /**
   * `handlers`: `onOpen(key)` (Enter, a click), `onMove(key, parent, index)` (drag and
   * drop, Alt+arrows; `index` among the new siblings without the node, null for last),
   * `onKey(name, key)` (`rename` F2, `delete` Delete, `add` Insert), `onError(err)`.
   */
  constructor(handlers) {
    this.on = handlers;
    /** key → { key, sum, parent, level, li, row, group, kids: [key]|null, expanded } */
    this.items = new Map();
    this.root = null;
    this.active = null;
    this.selected = null;
    this.dragKey = null;
    this.el = h('ul', { role: 'tree', class: 'tree', id: 'tree', 'aria-label': t('ctTree') });
    this.el.addEventListener('keydown', (e) => this.keydown(e));
    this.el.addEventListener('click', (e) => this.click(e));
    this.el.addEventListener('dragstart', (e) => this.dragstart(e));
    this.el.addEventListener('dragover', (e) => this.dragover(e));
    this.el.addEventListener('dragleave', (e) => this.dragleave(e));
    this.el.addEventListener('drop', (e) => this.drop(e));
    this.el.addEventListener('dragend', () => this.clearDrop(true));
  }

  /** Shows the tree from `sum` (the root's summary) with its `children` summaries. */
  setRoot(sum, parent, children) {
    this.items.clear();
    this.root = this.make(sum, parent, 1);
    this.el.replaceChildren(this.root.li);
    this.setKids(this.root, children);
    this.root.expanded = true;
    this.renderGroup(this.root);
    this.update(this.root);
    this.setActive(this.root);
  }

  make(sum, parent, level) {
    const item = { key: sum.key, sum, parent, level, kids: null, expanded: false, group: null, chunk: 0 };
    item.toggle = h('span', { class: 'tree-toggle', 'aria-hidden': 'true' });
    item.title = h('span', { class: 'tree-title' });
    item.label = h('span', { class: 'tree-label' });
    item.missing = h('span', { class: 'tree-missing' });
    item.count = h('span', { class: 'tree-count' });
    item.row = h('div', { class: 'tree-row', draggable: 'true' }, item.toggle, item.title, item.label, item.missing, item.count);
    item.li = h('li', { role: 'treeitem', tabindex: '-1', 'data-key': sum.key, 'aria-selected': 'false' }, item.row);
    this.items.set(sum.key, item);
    this.update(item);
    return item;
  }

  /** Redraws an item's row from its summary. */
  update(item) {
    const s = item.sum;
    const title = pick(s.title) || t('ctUntitled');
    item.title.textContent = title;
    item.label.textContent = s.label || '';
    const missing = (s.missing || []).filter((l) => LANGS.includes(l));
    item.missing.textContent = missing.map((l) => l.toUpperCase()).join(' ');
    item.missing.hidden = !missing.length;
    item.missing.title = missing.length ? t('ctMissing', { langs: missing.map((l) => t(`lang_${l}`)).join(', ') }) : '';
    item.li.dataset.missing = missing.join(' ');
    item.li.dataset.slides = String(s.slides ?? '');
    const n = s.children || 0;
    item.count.textContent = n ? String(n) : '';
    item.count.title = n ? t('ctChildren', { n }) : '';
    const parts = [title, s.label || ''];
    if (missing.length) parts.push(item.missing.title);
    if (n) parts.push(t('ctChildren', { n }));
    item.li.setAttribute('aria-label', parts.filter(Boolean).join(', '));
    item.li.setAttribute('aria-level', String(item.level));
    if (n) item.li.setAttribute('aria-expanded', String(item.expanded));
    else item.li.removeAttribute('aria-expanded');
    item.toggle.textContent = n ? (item.expanded ? '▾' : '▸') : '';
  }

  /** Sets an item's loaded children from their summaries (reusing known items). */
  setKids(item, sums) {
    const keep = new Set(sums.map((s) => s.key));
    for (const k of item.kids || []) {
      const old = this.items.get(k);
      if (old && old.parent === item.key && !keep.has(k)) this.forget(old);
    }
    item.kids = sums.map((s) => {
      let it = this.items.get(s.key);
      if (it) {
        it.sum = s;
        it.parent = item.key;
        this.update(it);
      } else {
        it = this.make(s, item.key, item.level + 1);
      }
      return s.key;
    });
    item.sum.children = item.kids.length;
  }

  /** Drops an item and its loaded subtree from the index. */
  forget(item) {
    for (const k of item.kids || []) {
      const c = this.items.get(k);
      if (c && c.parent === item.key) this.forget(c);
    }
    this.items.delete(item.key);
    item.li.remove();
    if (this.active === item) this.active = null;
  }

  /**
   * Renders an item's group from `kids`: the first rows at once, the rest in chunks
   * frame by frame (all at once with `all`). The group's `data-rendered` says when
   * every row is in.
   */
  renderGroup(item, all = false) {
    if (!item.group) {
      item.group = h('ul', { role: 'group' });
      item.li.append(item.group);
    }
    item.group.hidden = !item.expanded;
    const keys = item.kids || [];
    const chunk = ++item.chunk;
    const level = item.level + 1;
    const place = (from, to) => {
      const frag = document.createDocumentFragment();
      for (let i = from; i < to; i++) {
        const c = this.items.get(keys[i]);
        this.setLevel(c, level);
        c.li.setAttribute('aria-posinset', String(i + 1));
        c.li.setAttribute('aria-setsize', String(keys.length));
        frag.append(c.li);
      }
      item.group.append(frag);
    };
    item.group.replaceChildren();
    const first = all ? keys.length : Math.min(keys.length, FIRST);
    place(0, first);
    item.group.dataset.rendered = String(first === keys.length);
    if (first === keys.length) return;
    const more = (from) => requestAnimationFrame(() => {
      if (item.chunk !== chunk) return;
      const to = Math.min(keys.length, from + CHUNK);
      place(from, to);
      if (to < keys.length) more(to);
      else item.group.dataset.rendered = 'true';
    });
    more(first);
  }

  setLevel(item, level) {
    if (item.level === level) return;
    item.level = level;
    item.li.setAttribute('aria-level', String(level));
    for (const k of item.kids || []) {
      const c = this.items.get(k);
      if (c) this.setLevel(c, level + 1);
    }
  }

  /** Loads (again) an item's children and re-renders its group when it is shown. */
  async load(item) {
    const body = await api('GET', `nodes?parent=${encodeURIComponent(item.key)}`);
    if (this.items.get(item.key) !== item) return;
    this.setKids(item, body.nodes || []);
    if (item.expanded || item.group) this.renderGroup(item);
    this.update(item);
  }

  async expand(item) {
    if (!item.sum.children && item.kids && !item.kids.length) return;
    item.expanded = true;
    this.update(item);
    if (item.kids === null) {
      item.li.setAttribute('aria-busy', 'true');
      try {
        await this.load(item);
      } catch (err) {
        item.expanded = false;
        this.update(item);
        this.on.onError(err);
        return;
      } finally {
        item.li.removeAttribute('aria-busy');
      }
    } else if (!item.group) {
      this.renderGroup(item);
    } else {
      item.group.hidden = false;
    }
  }

  collapse(item) {
    item.expanded = false;
    if (item.group) item.group.hidden = true;
    this.update(item);
  }

  /** Makes `item` the one reachable by Tab (roving tabindex), optionally focusing it. */
  setActive(item, focus = false) {
    if (this.active && this.active !== item && this.active.li.isConnected) this.active.li.tabIndex = -1;
    this.active = item;
    item.li.tabIndex = 0;
    if (focus) item.li.focus();
  }

  select(key) {
    if (this.selected) this.selected.li.setAttribute('aria-selected', 'false');
    this.selected = this.items.get(key) || null;
    if (this.selected) this.selected.li.setAttribute('aria-selected', 'true');
  }

  /** Expands the items on `path` (keys from the root down) and focuses `key`. */
  async reveal(path, key) {
    for (const k of path) {
      const it = this.items.get(k);
      if (!it) return false;
      if (!it.expanded || it.kids === null) await this.expand(it);
      else if (it.group) it.group.hidden = false;
    }
    const it = this.items.get(key);
    if (!it) return false;
    // A long list renders in chunks: make sure the row is in the document.
    const p = this.items.get(it.parent);
    if (p && !it.li.isConnected) this.renderGroup(p, true);
    this.setActive(it, true);
    it.li.scrollIntoView({ block: 'nearest' });
    return true;
  }

  itemOf(target) {
    const li = target && target.closest && target.closest('[role="treeitem"]');
    return li ? this.items.get(li.dataset.key) || null : null;
  }

  /** The visible items in order (for ↑/↓, Home/End). */
  visible() {
    const out = [];
    const walk = (it) => {
      out.push(it);
      if (it.expanded && it.kids) for (const k of it.kids) walk(this.items.get(k));
    };
    if (this.root) walk(this.root);
    return out;
  }

  click(e) {
    const it = this.itemOf(e.target);
    if (!it) return;
    this.setActive(it, true);
    if (e.target === it.toggle) {
      if (it.expanded) this.collapse(it);
      else this.expand(it);
      return;
    }
    this.on.onOpen(it.key);
  }

  keydown(e) {
    const it = this.itemOf(e.target);
    if (!it || e.target !== it.li) return;
    const go = (x) => {
      if (!x) return;
      this.setActive(x, true);
      x.li.scrollIntoView({ block: 'nearest' });
    };
    const parent = this.items.get(it.parent);
    const sibs = parent && parent !== undefined && it !== this.root ? parent.kids : null;
    const at = sibs ? sibs.indexOf(it.key) : -1;
    let handled = true;
    if (e.altKey) {
      // Moves by the keyboard: the same as dragging.
      if (e.key === 'ArrowUp' && sibs && at > 0) this.on.onMove(it.key, parent.key, at - 1);
      else if (e.key === 'ArrowDown' && sibs && at < sibs.length - 1) this.on.onMove(it.key, parent.key, at + 1);
      else if (e.key === 'ArrowLeft' && parent && parent !== this.root) {
        const grand = this.items.get(parent.parent);
        this.on.onMove(it.key, grand.key, grand.kids.indexOf(parent.key) + 1);
      } else if (e.key === 'ArrowRight' && sibs && at > 0) this.on.onMove(it.key, sibs[at - 1], null);
      else handled = false;
    } else if (e.ctrlKey || e.metaKey) {
      handled = false;
    } else {
      const vis = () => this.visible();
      switch (e.key) {
        case 'ArrowDown': { const v = vis(); go(v[v.indexOf(it) + 1]); break; }
        case 'ArrowUp': { const v = vis(); go(v[v.indexOf(it) - 1]); break; }
        case 'Home': go(this.root); break;
        case 'End': { const v = vis(); go(v[v.length - 1]); break; }
        case 'ArrowRight':
          if (!it.sum.children) break;
          if (!it.expanded) this.expand(it);
          else if (it.kids && it.kids.length) go(this.items.get(it.kids[0]));
          break;
        case 'ArrowLeft':
          if (it.expanded && it.sum.children) this.collapse(it);
          else if (parent) go(parent);
          break;
        case 'Enter': case ' ': this.on.onOpen(it.key); break;
        case 'F2': this.on.onKey('rename', it.key); break;
        case 'Delete': this.on.onKey('delete', it.key); break;
        case 'Insert': this.on.onKey('add', it.key); break;
        default:
          handled = e.key.length === 1 && e.key !== ' ' && this.typeAhead(it, e.key);
      }
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /**
   * Type-ahead: letters typed in quick succession focus the next shown node whose
   * title starts with them (in the admin's language).
   */
  typeAhead(from, ch) {
    const now = Date.now();
    this.typed = now - (this.typedAt || 0) < 700 ? (this.typed || '') + ch : ch;
    this.typedAt = now;
    const want = this.typed.toLocaleLowerCase();
    const vis = this.visible();
    const start = vis.indexOf(from) + (this.typed.length === 1 ? 1 : 0);
    for (let n = 0; n < vis.length; n++) {
      const x = vis[(start + n) % vis.length];
      if (x.title.textContent.toLocaleLowerCase().startsWith(want)) {
        this.setActive(x, true);
        x.li.scrollIntoView({ block: 'nearest' });
        return true;
      }
    }
    return false;
  }

  // Drag and drop: a node onto another node (inside), or onto the upper or lower
  // quarter of a row (before or after it, among that node's siblings).

  dragstart(e) {
    const it = this.itemOf(e.target);
    if (!it || it === this.root) {
      e.preventDefault();
      return;
    }
    this.dragKey = it.key;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData(DRAG_TYPE, it.key);
    e.dataTransfer.setData('text/plain', pick(it.sum.title));
    it.li.classList.add('dragging');
  }

  /** Where a drag over `e` would drop: `{ target, where }` or null when it may not. */
  dropAt(e) {
    const target = this.itemOf(e.target);
    const dragged = this.items.get(this.dragKey);
    if (!target || !dragged || dragged.li.contains(target.li)) return null;
    const r = target.row.getBoundingClientRect();
    const y = (e.clientY - r.top) / (r.height || 1);
    let where = 'inside';
    if (target !== this.root) {
      if (y < 0.25) where = 'before';
      else if (y > 0.75) where = 'after';
    }
    return { target, where };
  }

  dragover(e) {
    const at = this.dropAt(e);
    if (!at) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    if (this.over && (this.over.target !== at.target || this.over.where !== at.where)) this.clearDrop();
    this.over = at;
    at.target.row.dataset.drop = at.where;
  }

  dragleave(e) {
    const it = this.itemOf(e.target);
    if (it && this.over && this.over.target === it && !it.row.contains(e.relatedTarget)) this.clearDrop();
  }

  clearDrop(end) {
    if (this.over) delete this.over.target.row.dataset.drop;
    this.over = null;
    if (end) {
      const d = this.items.get(this.dragKey);
      if (d) d.li.classList.remove('dragging');
      this.dragKey = null;
    }
  }

  drop(e) {
    const at = this.dropAt(e);
    const key = this.dragKey;
    this.clearDrop(true);
    if (!at || !key) return;
    e.preventDefault();
    const { target, where } = at;
    if (where === 'inside') {
      this.on.onMove(key, target.key, null);
      return;
    }
    const parent = this.items.get(target.parent);
    const sibs = parent.kids.filter((k) => k !== key);
    const i = sibs.indexOf(target.key) + (where === 'after' ? 1 : 0);
    this.on.onMove(key, parent.key, i);
  }
}
