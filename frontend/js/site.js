// Pages with nothing of their own to load (the not-found pages): the shared header and banner.
// On AWS an unknown code's address gets 404.html (no file was published for it), so that page
// names the codes near the one asked for, as `coderef serve`'s own not-found page does.
import { api } from './api.js';
import { initChrome } from './chrome.js';
import { $, codeLink, fill, h, settle } from './dom.js';

async function nearCodes() {
  const near = $('#near');
  const match = location.pathname.match(/^\/code\/([^/]+)\/([^/]+)\/?$/);
  if (!near || !match) return;
  let system;
  let code;
  try {
    [system, code] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
  } catch {
    return;
  }
  try {
    await api(`/api/codes/${encodeURIComponent(system)}/${encodeURIComponent(code)}/summary`);
  } catch (error) {
    const suggestions = (error.data && error.data.error && error.data.error.suggestions) || [];
    if (!suggestions.length) return;
    fill(near, h('h2', {}, 'Did you mean one of these?'),
      h('ul', { class: 'code-list' }, suggestions.map((s) => h('li', {}, codeLink(s.system || system, s)))));
  }
}

Promise.allSettled([initChrome(), nearCodes()]).finally(() => settle());
