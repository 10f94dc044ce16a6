// The code page: /code/{system}/{code}. The public summary renders at once; the metered page
// then fills in the sections (or, for guests, says which are locked; or, out of views, the wall).
import { api } from './api.js';
import { gateMembers, initChrome, registerHref, showMeter } from './chrome.js';
import { $, badges, codeHref, codeLink, fill, h, kindLabel, plural, settle } from './dom.js';

// What a guest is told each locked section holds, by its size: "4 coding notes". The codes
// under a code are never locked (the free code tree, issue 17).
const LOCKED_NAMES = {
  notes: (n) => plural(n, 'coding note'),
  seventh_characters: (n) => `a 7th-character table of ${plural(n, 'value')}`,
  related: (n) => plural(n, 'related code'),
};

const STATUS_WORDS = {
  present: 'In this release',
  added: 'Added',
  revised: 'Revised',
  unchanged: 'Unchanged',
  deleted: 'Deleted',
  absent: 'Not in this release',
};

const LEVEL_WORDS = {
  chapter: 'Chapter', block: 'Block', category: 'Category', subcategory: 'Subcategory', code: 'Code',
};

// The date of service asked for in the address (?date=YYYY-MM-DD), if any.
function askedDate() {
  const value = new URLSearchParams(location.search).get('date');
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
}

function withDate(path) {
  const date = askedDate();
  return date ? `${path}?date=${encodeURIComponent(date)}` : path;
}

// What the meter never charges for, said the same way on the wall and in the banner.
const FREE_WORDS = 'The code, its title and the codes under it stay free, as do search and browsing chapters, blocks and categories: only a full code page uses a view.';

const isLocked = (value) => Boolean(value && typeof value === 'object' && !Array.isArray(value) && value.locked);
const list = (value) => (Array.isArray(value) ? value : []);

function parsePath() {
  const match = location.pathname.match(/^\/code\/([^/]+)\/([^/]+)\/?$/);
  if (!match) return null;
  try {
    return { system: decodeURIComponent(match[1]), code: decodeURIComponent(match[2]) };
  } catch {
    return null;
  }
}

// ---- the public part: breadcrumb, heading, title and description, JSON-LD, source ----

let headerShown = false;
let askContext = null; // the code CasePilot questions on this page are about

function setMeta(name, content) {
  let meta = document.querySelector(`meta[name="${name}"]`);
  if (!meta) {
    meta = h('meta', { name });
    document.head.append(meta);
  }
  meta.setAttribute('content', content);
}

function describe(summary) {
  const parent = summary.ancestors[summary.ancestors.length - 1];
  const status = summary.kind === 'code' || summary.kind === 'category' || summary.kind === 'subcategory'
    ? (summary.billable ? ' Billable.' : ' Not billable on its own.')
    : '';
  const within = parent ? ` Within ${parent.code} ${parent.title}.` : '';
  return `${summary.system_name} ${kindLabel(summary.kind).toLowerCase()} ${summary.code}: ${summary.title}.${status}${within}`;
}

function jsonLd(summary, canonical) {
  const script = h('script', { type: 'application/ld+json' });
  script.textContent = JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'WebPage',
    name: `${summary.code} ${summary.title}`,
    description: describe(summary),
    url: canonical,
    isAccessibleForFree: false,
    about: {
      '@type': 'MedicalCode',
      codeValue: summary.code,
      codingSystem: summary.system_name,
      name: summary.title,
    },
    hasPart: [{ '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled' }],
  });
  document.head.append(script);
}

// The header, once: the address, title, meta description, canonical link and JSON-LD; then the
// text of the release shown. A server-rendered page (issue 17) already has today's header, so
// only a date of service asked for (?date=, which may name another release) refills the text.
// The release warning always comes from the API: it is about the release the page shows.
function showHeader(summary) {
  if (!headerShown) {
    headerShown = true;
    showMeta(summary);
    showText(summary);
  } else if (askedDate()) {
    showText(summary);
  }
  showReleaseWarning(summary.release || {});
}

function showMeta(summary) {
  const { system } = summary;
  const canonical = `${location.origin}${codeHref(system, summary.code)}`;
  if (location.pathname !== codeHref(system, summary.code)) {
    history.replaceState(null, '', codeHref(system, summary.code) + location.search);
  }
  document.title = `${summary.code} ${summary.title} · ${summary.system_name} · CodeRef`;
  askContext = { system, code: summary.code };
  fill($('#ask-about'), summary.code);
  setMeta('description', describe(summary));
  document.head.append(h('link', { rel: 'canonical', href: canonical }));
  jsonLd(summary, canonical);
}

function showText(summary) {
  const { system } = summary;
  fill($('#crumbs'),
    h('li', {}, h('a', { href: '/' }, 'Home')),
    summary.ancestors.map((a) => h('li', {},
      h('a', { href: codeHref(system, a.code), title: a.title }, a.kind === 'chapter' ? `Chapter ${a.code}` : a.code,
        h('span', { class: 'visually-hidden' }, ` ${a.title}`)))),
    h('li', {}, h('span', { 'aria-current': 'page' }, summary.code)));
  fill($('#code-system'), `${summary.system_name} · ${kindLabel(summary.kind)}`);
  fill($('#code-heading'), h('span', { class: 'code' }, summary.code), ' ', summary.title);
  fill($('#code-badges'), badges(summary));
  const release = summary.release || {};
  fill($('#code-source'),
    h('p', {}, h('strong', {}, 'Source: '), release.source || summary.system_name),
    h('p', {}, h('strong', {}, 'Release: '), release.name || release.id,
      release.effective_from ? `, in effect from ${release.effective_from}` : '',
      release.effective_to ? ` to ${release.effective_to}` : '', '.'),
    summary.notice ? h('p', { class: 'fine' }, summary.notice) : null);
}

// Whether the release this page's text comes from is in force today (and covers the date asked):
// every warning the API gives, said plainly above the page. A command in backquotes is code.
function showReleaseWarning(release) {
  const box = $('#release-warning');
  const warnings = list(release.warnings);
  if (!warnings.length) {
    box.hidden = true;
    return;
  }
  const words = (text) => text.split(/`([^`]+)`/).map((part, i) => (i % 2 ? h('code', {}, part) : part));
  fill(box,
    h('p', {}, h('strong', {}, release.in_force_today === false ? 'Not the release in force today. ' : 'Not the date asked. '),
      release.name ? `This page shows the ${release.name}.` : ''),
    h('ul', {}, warnings.map((w) => h('li', {}, words(w)))));
  box.hidden = false;
}

// ---- history and the date chooser (public: which releases hold the code is no secret) ----

function historyEntry(system, code, entry, shownId) {
  const release = entry.release || {};
  const span = release.effective_from
    ? ` (${release.effective_from} to ${release.effective_to || 'until replaced'})` : '';
  const detail = [];
  if (entry.status === 'revised') {
    const before = entry.before || {};
    const after = entry.after || {};
    const shown = (field, value) => (field === 'billable' ? (value ? 'billable' : 'not billable') : String(value));
    for (const field of list(entry.changed)) {
      const name = field[0].toUpperCase() + field.slice(1);
      detail.push(h('p', { class: 'shown' }, `${name} was: `, shown(field, before[field]),
        field in after ? ` · now: ${shown(field, after[field])}` : ''));
    }
  } else if (entry.title && entry.status !== 'deleted') {
    detail.push(h('p', { class: 'shown' }, entry.title));
  }
  const current = release.id === shownId;
  const dateLink = release.effective_from && entry.title && !current
    ? h('a', { href: `${codeHref(system, code)}?date=${release.effective_from}` }, 'See the page as of this release')
    : null;
  return h('li', { 'data-status': entry.status, class: current ? 'current' : null, 'aria-current': current ? 'true' : null },
    h('span', { class: 'status' }, STATUS_WORDS[entry.status] || entry.status), ' · ',
    release.name || release.id, span, current ? h('strong', {}, ' · shown on this page') : null,
    detail, dateLink ? h('p', { class: 'shown' }, dateLink) : null);
}

function showHistory(page) {
  const entries = list(page.history);
  const panel = $('#history');
  const shownId = (page.release || {}).id;
  fill($('#history-list'), entries.map((e) => historyEntry(page.system, page.code, e, shownId)));
  const form = $('#as-of');
  form.action = codeHref(page.system, page.code);
  const asked = askedDate();
  $('#as-of-date').value = asked || '';
  const back = $('#as-of-now');
  back.hidden = !asked;
  $('a', back).href = codeHref(page.system, page.code);
  panel.hidden = false;
}

// ---- the metered part ----

// Codes in a note are named in parentheses: "(P29.12)", "(I47-I49)", "(E10.-)". Each becomes a
// link to its page; words outside parentheses (vitamin B12) are left alone.
const CODE_IN_NOTE = /\b([A-Z][0-9][0-9A-Z])(?:\.([0-9A-Z]{1,4}))?(?:\.?-)?(?=[\s,;)\]-]|$)/g;

let absentCodes = new Set(); // codes the notes name that the release lacks: linked to search

function linkCodes(system, text) {
  if (system !== 'icd10cm') return [text];
  const parts = [];
  let last = 0;
  for (const group of text.matchAll(/\(([^()]*)\)/g)) {
    const start = group.index + 1;
    for (const m of group[1].matchAll(CODE_IN_NOTE)) {
      const at = start + m.index;
      parts.push(text.slice(last, at));
      const code = m[1] + (m[2] ? `.${m[2]}` : '');
      const href = absentCodes.has(code)
        ? `/?q=${encodeURIComponent(code)}`
        : codeHref(system, code);
      parts.push(h('a', { href, title: absentCodes.has(code) ? `${code} is not in this release: search for it` : null }, m[0]));
      last = at + m[0].length;
    }
  }
  parts.push(text.slice(last));
  return parts;
}

function section(id, title, ...children) {
  return h('section', { class: 'block', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), children);
}

function meaning(note) {
  if (!note.meaning) return null;
  return h('details', { class: 'meaning' },
    h('summary', {}, `What “${note.label}” means`), h('p', {}, note.meaning));
}

function noteGroup(system, note) {
  return h('div', { class: 'note-group', 'data-kind': note.kind },
    h('h4', {}, note.label),
    h('ul', { class: 'prose' }, list(note.items).map((item) => h('li', {}, linkCodes(system, item)))),
    meaning(note));
}

// Notes grouped by the level that writes them, the code's own first, then up to its chapter.
function notesByLevel(system, page) {
  const levels = [];
  for (const note of [...list(page.notes), ...list(page.inherited_notes)]) {
    const from = note.from || page.code;
    let level = levels.find((l) => l.from === from);
    if (!level) {
      level = { from, kind: note.level || page.kind, title: note.from_title || page.title, notes: [] };
      levels.push(level);
    }
    level.notes.push(note);
  }
  return levels.map((level) => {
    const own = level.from === page.code;
    const name = `${LEVEL_WORDS[level.kind] || kindLabel(level.kind)} ${level.from}`;
    return h('section', { class: 'level', 'data-level': level.kind, 'aria-label': own ? 'On this code' : `From ${name}` },
      h('h3', {}, own ? 'On this code' : ['From ', h('a', { href: codeHref(system, level.from) }, name)],
        h('span', { class: 'from' }, ` ${level.title}`)),
      level.notes.map((n) => noteGroup(system, n)));
  });
}

function lockedPanel(entries) {
  return h('section', { class: 'locked', id: 'locked', 'aria-labelledby': 'locked-h' },
    h('h2', { id: 'locked-h' }, 'For registered users'),
    h('p', {}, 'This code page also has:'),
    h('ul', {}, entries.map((n) => h('li', {}, n))),
    h('p', {}, h('strong', {}, 'Register to view content.'), ' A free account shows these sections on every code page you open.'),
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: registerHref('/register') }, 'Register'),
      h('a', { class: 'button secondary', href: registerHref('/login') }, 'Log in')));
}

const lockedCount = (value) => (isLocked(value) ? Number(value.count) || 0 : 0);

// Facts from CMS files beside the code set: age/sex edits, HCC categories, ICD-9-CM GEMs, and
// the note on ICD-10-PCS codes whose axis tables are not loaded.
function referenceBlocks(page) {
  const out = [];
  const attrs = list(page.attributes);
  const note = attrs.find((a) => a.id === 'axis_tables');
  if (note) out.push(h('p', { class: 'fine', id: 'axis-note' }, `Axis tables ${note.value}. ${note.meaning}`));
  const edits = attrs.filter((a) => /^(hcc|mce)_/.test(a.id));
  if (edits.length) {
    out.push(section('edits', 'Edits and risk adjustment', h('dl', { class: 'facts' }, edits.map((a) => [
      h('dt', {}, a.label), h('dd', {}, a.value, a.meaning ? h('span', { class: 'fine' }, ` ${a.meaning}`) : null)]))));
  }
  const walks = list(page.crosswalks).filter((d) => list(d.rows).length);
  if (walks.length) {
    out.push(section('crosswalks', 'ICD-9-CM equivalents (GEMs)', walks.map((d) => [
      h('h3', {}, d.label),
      h('ul', { class: 'code-list' }, d.rows.map((r) => h('li', {}, r.code ? `${r.code} ${r.title}` : r.title,
        r.flags.length ? h('span', { class: 'fine' }, ` (${r.flags.map((f) => f.replace('_', ' ')).join(', ')})`) : null)))])));
  }
  return out;
}

function renderPage(page) {
  const { system } = page;
  const out = [];
  out.push(section('official', 'Official Description', h('p', {}, page.description || page.title)));
  const plain = page.plain_language || {};
  if (plain.text) {
    out.push(section('plain', 'Plain-language description', h('p', {}, plain.text),
      plain.source ? h('p', { class: 'fine' }, `Source: ${plain.source}.`) : null));
  }
  absentCodes = new Set(list(page.absent_codes));
  const locked = [];
  if (isLocked(page.notes) || isLocked(page.inherited_notes)) {
    const n = lockedCount(page.notes) + lockedCount(page.inherited_notes);
    if (n) locked.push(LOCKED_NAMES.notes(n));
  } else if (list(page.notes).length || list(page.inherited_notes).length) {
    out.push(section('notes', 'Coding notes',
      h('p', { class: 'fine' }, 'Every instruction that applies to this code, from the code itself up to its chapter.'),
      h('div', { class: 'notes' }, notesByLevel(system, page))));
  }
  if (isLocked(page.seventh_characters)) {
    const n = lockedCount(page.seventh_characters);
    if (n) locked.push(LOCKED_NAMES.seventh_characters(n));
  } else if (list(page.seventh_characters).length) {
    out.push(section('seventh', '7th characters', h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Character'), h('th', { scope: 'col' }, 'Meaning'), h('th', { scope: 'col' }, 'Full code'))),
      h('tbody', {}, page.seventh_characters.map((s) => h('tr', {},
        h('td', {}, s.char),
        h('td', {}, s.meaning, list(s.clarifications).map((c) => h('span', { class: 'clarify' }, c))),
        h('td', {}, s.code ? h('a', { href: codeHref(system, s.code) }, s.code) : '—')))))));
  }
  if (list(page.axes).length) {
    out.push(section('axes', 'What each character means', h('ol', { class: 'axes' }, page.axes.map((a) => h('li', {},
      h('span', { class: 'char', 'aria-hidden': 'true' }, a.value),
      h('span', { class: 'name' }, `${a.position}. ${a.name}`, h('span', { class: 'visually-hidden' }, `: ${a.value}`)),
      h('span', { class: 'label' }, a.label),
      a.definition ? h('span', { class: 'def' }, a.definition) : null)))));
  }
  out.push(...referenceBlocks(page));
  // The codes under a code are the free tree (issue 17): never locked, and when the server
  // rendered them above, not repeated here.
  if (list(page.children).length && !$('#children')) {
    out.push(section('children', `Codes under ${page.code}`,
      h('ul', { class: 'code-list' }, page.children.map((c) => h('li', {}, codeLink(system, c))))));
  }
  if (isLocked(page.related)) {
    const n = lockedCount(page.related);
    if (n) locked.push(LOCKED_NAMES.related(n));
  } else if (list(page.related).length) {
    out.push(section('related', 'Related codes', h('p', { class: 'fine' }, 'Codes named in the notes on this page.'),
      h('ul', { class: 'code-list' }, page.related.map((c) => h('li', {}, codeLink(system, c))))));
  }
  if (locked.length) out.push(lockedPanel(locked));
  fill($('#metered'), out);
}

function renderWall(meter, message) {
  const registered = meter && meter.plan && meter.plan !== 'guest';
  const panel = registered
    ? h('section', { class: 'wall', 'aria-labelledby': 'wall-h' },
      h('h2', { id: 'wall-h' }, 'You have used all your code page views'),
      h('p', {}, FREE_WORDS, ' Codes you have already opened stay open: find them on your account page.'),
      h('p', { class: 'actions' }, h('a', { class: 'button', href: '/account' }, 'Your account'), h('a', { class: 'button secondary', href: '/' }, 'Search')))
    : h('section', { class: 'wall', 'aria-labelledby': 'wall-h' },
      h('h2', { id: 'wall-h' }, 'Register free to read this code page'),
      h('p', { class: 'lede' }, message || 'You have used your free code page view.'),
      // The buttons come first: on a phone they must show without scrolling.
      h('p', { class: 'actions' },
        h('a', { class: 'button', href: registerHref('/register') }, 'Register free'),
        h('a', { class: 'button secondary', href: registerHref('/login') }, 'Log in')),
      h('p', {}, FREE_WORDS, ' A free account gives you:'),
      h('ul', {},
        h('li', {}, 'more code page views, with the official description and the plain-language explanation;'),
        h('li', {}, 'the coding notes: inclusion terms, excludes, code first and use additional code;'),
        h('li', {}, 'the 7th-character table and related codes;'),
        h('li', {}, 'every code you have opened, kept open on your account page.')));
  fill($('#metered'), panel);
}

function renderCapped(message) {
  fill($('#metered'), h('section', { class: 'wall', 'aria-labelledby': 'wall-h' },
    h('h2', { id: 'wall-h' }, 'Register free to keep reading'),
    h('p', { class: 'lede' }, message),
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: registerHref('/register') }, 'Register free'),
      h('a', { class: 'button secondary', href: registerHref('/login') }, 'Log in')),
    h('p', {}, FREE_WORDS)));
}

function renderNotFound(where, error) {
  document.title = 'Code not found · CodeRef';
  $('#ask').hidden = true;
  fill($('#crumbs'), h('li', {}, h('a', { href: '/' }, 'Home')));
  fill($('#code-system'), '');
  fill($('#code-heading'), 'Code not found');
  const suggestions = list(error.data && error.data.error && error.data.error.suggestions);
  fill($('#metered'),
    h('p', {}, error.message),
    suggestions.length
      ? [h('h2', {}, 'Did you mean one of these?'),
        h('ul', { class: 'code-list' }, suggestions.map((s) => h('li', {}, codeLink(s.system || where.system, s))))]
      : null,
    h('p', {}, 'Search for the code or its words with the box at the top of the page, or ', h('a', { href: '/' }, 'start again from the home page'), '.'));
}

function renderError(error, retry) {
  const again = h('button', { type: 'button', class: 'secondary', onclick: retry }, 'Try again');
  fill($('#metered'), h('div', { class: 'notice error', role: 'alert' },
    h('p', {}, `This code page could not be loaded. ${error.message}`), h('p', {}, again)));
}

async function loadPage(where, summaryRequest) {
  fill($('#metered'), h('p', { class: 'loading' }, 'Loading the code page…'));
  const path = withDate(`/api/codes/${encodeURIComponent(where.system)}/${encodeURIComponent(where.code)}`);
  try {
    const page = await api(path);
    showHeader(page);
    renderPage(page);
    showHistory(page);
    if (page.meter) showMeter(page.meter, { fromPage: true });
    settle('Code page loaded.');
  } catch (error) {
    if (error.status === 402 && error.data && error.data.summary) {
      showHeader(error.data.summary);
      renderWall(error.data.meter, error.message);
      // The wall's buttons come first (on a phone they must show without scrolling): the
      // release warning, if any, follows the wall.
      $('#metered').after($('#release-warning'));
      if (error.data.meter) showMeter(error.data.meter, { fromPage: true });
      settle('Out of code page views.');
    } else if (error.code === 'invalid_input' && askedDate()) {
      // The date in the address is not a calendar date (2026-02-30): say so, keep the way back
      fill($('#metered'), h('div', { class: 'notice error', role: 'alert' },
        h('p', {}, `The date ${askedDate()} is not a valid date of service. ${error.message}`),
        h('p', {}, h('a', { href: codeHref(where.system, where.code) }, 'Show the code as of today'))));
      settle('The date is not valid.');
    } else if (error.status === 429 && error.code === 'too_many_requests') {
      // The cap on new guests per network: no view can be given, so the banner says none is
      // left and the page offers the way on, in the same words.
      renderCapped(error.message);
      showMeter({ plan: 'guest', remaining: 0, charged: false }, { fromPage: true });
      settle('Out of code page views.');
    } else if (error.code === 'code_not_found' || error.code === 'unknown_system' || error.code === 'invalid_input') {
      if (!headerShown) renderNotFound(where, error);
      settle('Code not found.');
    } else {
      await summaryRequest; // show what is public even when the metered part failed
      renderError(error, () => loadPage(where, null));
      settle('The code page could not be loaded.');
    }
  }
}

// ---- the CasePilot panel: its module loads only when a question is asked ----

function wireAsk() {
  const panel = $('#ask');
  $('form', panel).addEventListener('submit', async (event) => {
    event.preventDefault();
    const { ask } = await import('./assistant.js');
    ask(panel, askContext);
  });
  return panel;
}

// The server renders the public part (breadcrumb, heading, the codes under it, source); a
// shell without it (an older page) still fills the header from the summary API.
function rendered() {
  const main = $('#main');
  if (!main || !main.dataset.code) return null;
  return { system: main.dataset.system, code: main.dataset.code, tree: main.dataset.tree === 'true' };
}

function start() {
  const where = parsePath();
  const panel = wireAsk();
  const server = rendered();
  const me = initChrome();
  me.then((answer) => {
    gateMembers(panel, answer);
    const auth = $('#full-page-auth');
    if (auth && answer && answer.user) auth.hidden = true;
  });
  if (server) {
    headerShown = true;
    askContext = { system: server.system, code: server.code };
    // Browsing the tree is free: a grouping's full page (its notes) opens only when asked for.
    // A date of service asked for (?date=) opens it too: the page as of that date is asked for.
    if (server.tree && !new URLSearchParams(location.search).has('full') && !askedDate()) {
      $('#open-full').addEventListener('click', (event) => {
        event.preventDefault();
        loadPage(server, null);
      });
      me.finally(() => settle('Code tree page loaded.'));
      return;
    }
    loadPage(server, null);
    return;
  }
  if (!where) {
    renderNotFound({ system: '' }, { message: 'This address does not name a code.', data: null });
    settle('Code not found.');
    return;
  }
  const summaryRequest = api(withDate(`/api/codes/${encodeURIComponent(where.system)}/${encodeURIComponent(where.code)}/summary`))
    .then(showHeader)
    .catch(() => { /* the full page request explains any failure */ });
  loadPage(where, summaryRequest);
}

start();
