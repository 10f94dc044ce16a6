// Home: the search box, recent searches, and (with ?q=) a page of results.
import { api } from './api.js';
import { initChrome, wireCopy } from './chrome.js';
import { $, codeLink, fill, h, plural, settle, systemName } from './dom.js';

const DEFAULT_PAGE_SIZE = 20;
const MAX_OFFSET = 1000; // the API pages no deeper
const RECENT_KEY = 'coderef.recent';
const RECENT_MAX = 8;

// localStorage can be missing or full (private windows); recent searches are a nicety.
function loadRecent() {
  try {
    const saved = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(saved) ? saved.filter((r) => r && typeof r.q === 'string') : [];
  } catch {
    return [];
  }
}

function saveRecent(q, system) {
  const rest = loadRecent().filter((r) => !(r.q.toLowerCase() === q.toLowerCase() && (r.system || '') === system));
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([{ q, system }, ...rest].slice(0, RECENT_MAX)));
  } catch {
    /* nothing to do: the search itself worked */
  }
}

let pageSize = DEFAULT_PAGE_SIZE; // ?size= picks another, from 5 to 100

function searchHref(q, system, page = 1) {
  const params = new URLSearchParams({ q });
  if (system) params.set('system', system);
  if (page > 1) params.set('page', String(page));
  if (pageSize !== DEFAULT_PAGE_SIZE) params.set('size', String(pageSize));
  return `/?${params}`;
}

function showRecent() {
  const section = $('#recent');
  const recent = loadRecent();
  if (!recent.length) {
    section.hidden = true;
    return;
  }
  fill($('#recent-list'), recent.map((r) => h('li', {},
    h('a', { href: searchHref(r.q, r.system) }, r.q, r.system ? ` (${systemName(r.system)})` : ''))));
  section.hidden = false;
}

function pager(q, system, page, total) {
  const pages = Math.max(1, Math.ceil(Math.min(total, MAX_OFFSET + pageSize) / pageSize));
  if (pages <= 1) return [];
  return [
    page > 1 ? h('a', { class: 'button secondary', href: searchHref(q, system, page - 1), rel: 'prev' }, '‹ Previous') : h('span'),
    h('span', {}, `Page ${page} of ${pages}`),
    page < pages ? h('a', { class: 'button secondary', href: searchHref(q, system, page + 1), rel: 'next' }, 'Next ›') : h('span'),
  ];
}

async function showResults(q, system, page) {
  const section = $('#results');
  const summary = $('#results-summary');
  section.hidden = false;
  fill($('#results-heading'), `Results for “${q}”`);
  summary.textContent = 'Searching…';
  document.title = `${q} · Search · CodeRef`;
  const params = new URLSearchParams({ q, limit: String(pageSize), offset: String((page - 1) * pageSize) });
  if (system) params.set('system', system);
  try {
    const body = await api(`/api/search?${params}`);
    saveRecent(q, system);
    const where = system ? ` in ${systemName(system)}` : '';
    const hint = body.did_you_mean
      ? h('p', { class: 'did-you-mean' }, 'Did you mean ', h('a', { href: searchHref(body.did_you_mean, system) }, body.did_you_mean), '?')
      : null;
    if (!body.results.length) {
      fill(summary, `No codes match “${q}”${where}.`);
      fill($('#result-list'));
      fill($('#pager'));
      summary.after(hint || h('p', {}, 'Try fewer words, another spelling, or the start of a code such as R00.'));
      settle('No results.');
      return;
    }
    const first = (page - 1) * pageSize + 1;
    const shown = `${first}–${first + body.results.length - 1}`;
    fill(summary, `${plural(body.total, 'code')} found${where}`, body.total > body.results.length ? `, showing ${shown}.` : '.');
    if (hint) summary.after(hint);
    fill($('#result-list'), body.results.map((r) => h('li', { class: 'with-copy' },
      codeLink(r.system, r, { showSystem: !system }),
      h('button', { type: 'button', class: 'copy secondary', 'data-copy': r.code, hidden: true, 'aria-label': `Copy ${r.code}` }, 'Copy'))));
    wireCopy($('#result-list'));
    fill($('#pager'), pager(q, system, page, body.total));
    settle(`${plural(body.total, 'result')}.`);
  } catch (error) {
    summary.textContent = '';
    fill($('#result-list'));
    summary.after(h('div', { class: 'notice error', role: 'alert' },
      h('p', {}, `The search could not be run. ${error.message}`),
      h('p', {}, h('a', { href: searchHref(q, system, page) }, 'Try the search again'))));
    settle('Search failed.');
  }
}

function start() {
  initChrome();
  const params = new URLSearchParams(location.search);
  const q = (params.get('q') || '').trim();
  const system = params.get('system') || '';
  const page = Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1);
  const size = Number.parseInt(params.get('size') || '', 10);
  if (size >= 5 && size <= 100) pageSize = size;
  const input = $('#q');
  const select = $('#system');
  if (system && [...select.options].some((o) => o.value === system)) select.value = system;
  $('#recent-clear').addEventListener('click', () => {
    try { localStorage.removeItem(RECENT_KEY); } catch { /* already gone */ }
    showRecent();
    input.focus();
  });
  if (q) {
    input.value = q;
    $('#intro').hidden = true;
    $('.hero').classList.add('compact');
    $('#recent').hidden = true;
    showResults(q, system, page);
  } else {
    showRecent();
    settle();
  }
}

start();
