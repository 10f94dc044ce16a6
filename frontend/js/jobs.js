// /jobs: search with every filter in the URL (the form is a plain GET form, so a search can be
// shared), result pages, saving a search, and posting a job for members.
import { api } from './api.js';
import { gateMembers, initChrome, registerHref } from './chrome.js';
import { $, fill, h, plural, settle } from './dom.js';
import { jobCard, jobHref } from './jobs-common.js';

const PAGE = 20;
const FILTERS = ['q', 'arrangement', 'state', 'credential', 'specialty', 'salary_min', 'posted_within_days', 'sort'];

function fillOptions(options) {
  for (const select of document.querySelectorAll('select[data-options]')) {
    for (const value of options[select.dataset.options]) select.append(h('option', { value }, value));
  }
  for (const box of document.querySelectorAll('[data-checks]')) {
    for (const value of options[box.dataset.checks]) {
      const id = `${box.dataset.name}-${value}`.replace(/[^A-Za-z0-9_-]/g, '_');
      box.append(h('span', { class: 'check' },
        h('input', { type: 'checkbox', id, name: box.dataset.name, value }), ' ', h('label', { for: id }, value)));
    }
  }
}

function searchParams() {
  const url = new URLSearchParams(location.search);
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = url.get(name);
    if (value) params.set(name, value);
    const input = $(`#job-search [name="${name}"]`);
    if (input && value) input.value = value;
  }
  const page = Math.max(1, parseInt(url.get('page') || '1', 10) || 1);
  return { params, page };
}

function pageLink(params, page, label) {
  const next = new URLSearchParams(params);
  if (page > 1) next.set('page', String(page)); else next.delete('page');
  return h('a', { href: `/jobs?${next}` }, label);
}

async function search() {
  const { params, page } = searchParams();
  const query = new URLSearchParams(params);
  query.set('limit', String(PAGE));
  query.set('offset', String((page - 1) * PAGE));
  const count = $('#job-count');
  try {
    const body = await api(`/api/jobs?${query}`);
    fill(count, body.total ? `${plural(body.total, 'job')} found.` : 'No open jobs match this search.');
    fill($('#job-results'), body.jobs.map(jobCard));
    const pages = Math.ceil(body.total / PAGE);
    fill($('#job-paging'),
      page > 1 ? pageLink(params, page - 1, 'Previous page') : null,
      pages > 1 ? ` Page ${page} of ${pages} ` : null,
      page < pages ? pageLink(params, page + 1, 'Next page') : null);
  } catch (error) {
    fill(count, error.message);
  }
  return params;
}

function saveSearch(params, me) {
  const row = $('#save-search-row');
  if (!me || !me.user) return;
  row.hidden = false;
  $('#save-search').addEventListener('click', async () => {
    const filters = Object.fromEntries([...params].filter(([k]) => k !== 'sort'));
    try {
      await api('/api/me/job-alerts', { method: 'POST', json: filters });
      fill($('#save-status'), ' Saved: a daily mail will list new jobs for this search.');
    } catch (error) {
      fill($('#save-status'), ` Not saved. ${error.message}`);
    }
  });
}

function formBody(form) {
  const data = new FormData(form);
  const body = {};
  for (const name of ['title', 'organization', 'organization_website', 'arrangement', 'city', 'state',
    'employment_type', 'experience', 'salary_min', 'salary_max', 'salary_period', 'description', 'apply',
    'expires_in_days']) {
    const value = String(data.get(name) || '').trim();
    if (value) body[name] = value;
  }
  for (const name of ['credentials_required', 'credentials_preferred', 'specialties']) body[name] = data.getAll(name);
  return body;
}

function closeButton(job) {
  const button = h('button', { type: 'button', class: 'secondary' }, 'Close this post');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
      showMine(await api('/api/me/jobs'));
    } catch (error) {
      button.disabled = false;
      fill($('#post-status'), error.message);
    }
  });
  return button;
}

function showMine(mine) {
  $('#my-jobs-panel').hidden = mine.jobs.length === 0;
  fill($('#my-jobs'), mine.jobs.map((job) => h('li', {},
    h('a', { href: jobHref(job.id) }, job.title), ` — ${job.status}`,
    job.reason ? ` (${job.reason})` : '', ' ',
    job.status === 'closed' ? null : closeButton(job))));
  if (mine.employer) {
    for (const [name, value] of Object.entries(mine.employer)) {
      const input = $(`#post-job [name="${name}"]`);
      if (input && !input.value) input.value = value;
    }
  }
}

async function employers(me) {
  const section = $('#employers');
  gateMembers(section, me);
  for (const link of section.querySelectorAll('a[data-auth]')) link.href = registerHref(`/${link.dataset.auth}`);
  if (!me || !me.user) return;
  showMine(await api('/api/me/jobs'));
  const form = $('#post-job');
  const error = form.querySelector('.form-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    for (const bad of form.querySelectorAll('[aria-invalid]')) bad.removeAttribute('aria-invalid');
    try {
      const job = await api('/api/jobs', { method: 'POST', json: formBody(form) });
      form.reset();
      fill($('#post-status'), `Thank you. “${job.title}” is waiting for review; it is listed once approved.`);
      showMine(await api('/api/me/jobs'));
    } catch (failure) {
      fill(error, failure.message);
      error.hidden = false;
      const field = failure.data && failure.data.error && failure.data.error.field;
      const input = field && form.querySelector(`[name="${CSS.escape(field)}"]`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    }
  });
}

async function main() {
  const me = await initChrome();
  try {
    fillOptions(await api('/api/job-options'));
  } catch (error) {
    fill($('#job-count'), error.message);
    settle(error.message);
    return;
  }
  const params = await search();
  saveSearch(params, me);
  try {
    await employers(me);
  } finally {
    settle($('#job-count').textContent);
  }
}

main();
