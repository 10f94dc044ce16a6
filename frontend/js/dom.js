// Small DOM helpers. Text from the API only ever goes in through text nodes, never as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === 'class') el.className = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);

export const SYSTEM_NAMES = { icd10cm: 'ICD-10-CM', icd10pcs: 'ICD-10-PCS' };
export const systemName = (id) => SYSTEM_NAMES[id] || String(id).toUpperCase();

export const codeHref = (system, code) =>
  `/code/${encodeURIComponent(system)}/${encodeURIComponent(code)}`;

const KIND_LABELS = {
  chapter: 'Chapter', block: 'Block', category: 'Category', subcategory: 'Subcategory',
  code: 'Code', section: 'Section', body_system: 'Body system', table: 'Table',
};
export const kindLabel = (kind) => KIND_LABELS[kind] || kind;

// Chapters, blocks and PCS grouping levels are never reported, so "not billable" says nothing.
const GROUPS = new Set(['chapter', 'block', 'section', 'body_system', 'table']);

export function badges(item) {
  if (GROUPS.has(item.kind)) return [h('span', { class: 'badge' }, kindLabel(item.kind))];
  return [
    item.billable
      ? h('span', { class: 'badge billable' }, 'Billable')
      : h('span', { class: 'badge' }, 'Not billable'),
  ];
}

// One row of a code list: code, title, badges, and optionally the system's name.
export function codeLink(system, item, { showSystem = false, showBadges = true } = {}) {
  return h('a', { class: 'hit', href: codeHref(system, item.code) },
    h('span', { class: 'code' }, item.code),
    h('span', { class: 'title' }, item.title),
    h('span', { class: 'meta' }, showBadges ? badges(item) : null, showSystem ? systemName(system) : null));
}

// Where to go after logging in: only a path on this site, never another origin.
export function safeNext(raw, fallback = '/account') {
  if (typeof raw === 'string' && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\')) {
    return raw;
  }
  return fallback;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// Marks the page as settled (content or an explanation shown); tests and screen readers wait on it.
export function settle(message) {
  document.documentElement.dataset.state = 'ready';
  const status = document.getElementById('page-status');
  if (status && message) status.textContent = message;
}
