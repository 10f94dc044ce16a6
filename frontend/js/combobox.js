// Autocomplete for a search box, following the ARIA combobox pattern with a listbox popup:
// Down/Up move through suggestions, Enter opens the chosen code, Escape closes the list (and a
// second Escape clears the box). Typing is debounced, and answers to superseded requests are
// dropped, so a slow early answer never replaces a later one.
import { api } from './api.js';
import { codeHref, fill, h, plural, systemName } from './dom.js';

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

  function choose(index) {
    const item = items[index];
    if (!item) return;
    close();
    location.assign(codeHref(item.system, item.code));
  }

  function render(results) {
    items = results;
    active = -1;
    fill(list, results.map((item, i) => h('li', {
      id: `${list.id}-${i}`,
      role: 'option',
      'aria-selected': 'false',
      onclick: () => choose(i),
    }, h('span', { class: 'code' }, item.code), ' ',
    h('span', {}, item.title),
    h('span', { class: 'visually-hidden' }, `, ${systemName(item.system)}`))));
    if (results.length && document.activeElement === input) {
      open(); // only while the reader is still in the box: they may have moved on
      say(`${plural(results.length, 'suggestion')}. Use the up and down arrow keys to choose, Enter to open.`);
    } else {
      close();
      if (!results.length) say('No suggestions.');
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
      render(body.results || []);
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
