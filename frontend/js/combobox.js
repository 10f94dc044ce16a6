// Autocomplete for a search box, following the ARIA combobox pattern with a listbox popup:
// Down/Up move through suggestions, Enter opens the chosen code (or, with none chosen, the code
// typed exactly), Escape closes the list (and a second Escape clears the box). The list ends
// with "See all results"; a typo shows the did-you-mean, and no match says so. Typing is debounced, and answers to superseded requests are
// dropped, so a slow early answer never replaces a later one.
import { api } from './api.js';
import { codeHref, fill, h, plural, systemName } from './dom.js';

const compact = (code) => String(code).toUpperCase().replace(/[.\s]/g, '');

const DEBOUNCE_MS = 150;
const MIN_CHARS = 2;

export function attachAutocomplete(form) {
  const input = form.querySelector('[role="combobox"]');
  const list = input && document.getElementById(input.getAttribute('aria-controls'));
  const status = form.querySelector('.combo-status');
  const systemSelect = form.elements.system;
  if (!input || !list) return;

  let items = [];
  let active = -1;
  let timer = 0;
  let latest = 0;
  let inflight = null;

  const say = (message) => { if (status) status.textContent = message; };

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function open() {
    if (!items.length) return;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function highlight(index) {
    const options = list.children;
    if (active >= 0 && options[active]) options[active].setAttribute('aria-selected', 'false');
    active = index;
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
      return;
    }
    const option = options[index];
    option.setAttribute('aria-selected', 'true');
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  }

  // Each row is a code ({code, system, ...}) or a link ({href, label}: see all, did you mean).
  function searchHref(q) {
    const params = new URLSearchParams({ q });
    if (systemSelect && systemSelect.value) params.set('system', systemSelect.value);
    return `/?${params}`;
  }

  function choose(index) {
    const item = items[index];
    if (!item) return;
    close();
    location.assign(item.href || codeHref(item.system, item.code));
  }

  // The code typed exactly (R00.1, r001), when it is among the suggestions.
  function exactCode() {
    const typed = compact(input.value.trim());
    return items.findIndex((item) => item.code && compact(item.code) === typed);
  }

  function option(item, i) {
    const attrs = { id: `${list.id}-${i}`, role: 'option', 'aria-selected': 'false', onclick: () => choose(i) };
    if (item.href) return h('li', { ...attrs, class: 'option-link' }, item.label);
    return h('li', attrs, h('span', { class: 'code' }, item.code), ' ',
      h('span', { class: 'option-title' }, item.title),
      item.billable ? h('span', { class: 'badge billable' }, 'Billable') : null,
      h('span', { class: 'visually-hidden' }, `, ${systemName(item.system)}`));
  }

  function render(body, q) {
    const results = body.results || [];
    const rows = [];
    if (body.did_you_mean) {
      rows.push({ href: searchHref(body.did_you_mean), label: `Did you mean “${body.did_you_mean}”?` });
    }
    rows.push(...results);
    if (results.length) rows.push({ href: searchHref(q), label: `See all results for “${q}”` });
    items = rows;
    active = -1;
    const shown = rows.map(option);
    if (!results.length) {
      shown.push(h('li', { class: 'option-none', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false', id: `${list.id}-none` },
        `No matches for “${q}”. Try other words or a code.`));
    }
    fill(list, shown);
    if (document.activeElement === input) {
      list.hidden = false; // only while the reader is still in the box: they may have moved on
      input.setAttribute('aria-expanded', 'true');
      say(results.length
        ? `${plural(results.length, 'suggestion')}${body.did_you_mean ? ` for ${body.did_you_mean}` : ''}. Use the up and down arrow keys to choose, Enter to open.`
        : `No matches for ${q}.`);
    } else {
      close();
    }
  }

  async function fetchSuggestions() {
    const q = input.value.trim();
    if (q.length < MIN_CHARS) {
      items = [];
      close();
      return;
    }
    const ticket = ++latest;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const params = new URLSearchParams({ q, limit: '8' });
    if (systemSelect && systemSelect.value) params.set('system', systemSelect.value);
    try {
      const body = await api(`/api/suggest?${params}`, { signal: inflight.signal });
      if (ticket !== latest) return; // a newer keystroke has asked since
      render(body, q);
    } catch (error) {
      if (error.name === 'AbortError' || ticket !== latest) return;
      items = [];
      close();
      say(`Suggestions are unavailable: ${error.message}`);
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const count = items.length;
    switch (event.key) {
      case 'ArrowDown':
        if (!count) return;
        event.preventDefault();
        open();
        highlight(active + 1 >= count ? 0 : active + 1);
        break;
      case 'ArrowUp':
        if (!count) return;
        event.preventDefault();
        open();
        highlight(active <= 0 ? count - 1 : active - 1);
        break;
      case 'Enter':
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (exactCode() >= 0) {
          event.preventDefault();
          choose(exactCode());
        }
        break;
      case 'Escape':
        event.preventDefault();
        if (!list.hidden) {
          close();
        } else {
          input.value = '';
          items = [];
        }
        break;
      case 'Tab':
        close();
        break;
      default:
    }
  });

  // Keep focus in the box while a suggestion is pressed, so the click lands before blur closes.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  input.addEventListener('blur', close);
  input.addEventListener('focus', () => { if (input.value.trim().length >= MIN_CHARS && items.length) open(); });
  if (systemSelect) systemSelect.addEventListener('change', () => { items = []; close(); });
  form.addEventListener('submit', () => { latest += 1; close(); });
}
