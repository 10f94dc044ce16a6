// /jobs: the search, its results and pages are rendered on the server from the URL (a plain GET
// form, so a search can be shared and works with scripts off). This adds saving a search and
// posting a job for members.
import { api } from './api.js';
import { gateMembers, initChrome, registerHref } from './chrome.js';
import { $, fill, h, settle } from './dom.js';
import { jobHref } from './jobs-common.js';

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

// The results, their count and pages come from the server (api/job_pages.py): the script
// never renders them again. It only needs the search, to save it.
function searchParams() {
  const url = new URLSearchParams(location.search);
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = url.get(name);
    if (value) params.set(name, value);
  }
  return params;
}

function saveSearch(params, me) {
  const row = $('#save-search-row');
  if (!me || !me.user || $('#job-search-error')) return;
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
    fill($('#post-status'), error.message);
    settle(error.message);
    return;
  }
  saveSearch(searchParams(), me);
  try {
    await employers(me);
  } finally {
    settle($('#job-count').textContent);
  }
}

main();
