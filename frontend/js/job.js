// /jobs/{id}: the server renders the job, its JobPosting data, the 410 page with similar jobs
// and the 404 page (api/job_pages.py); this script only enhances them. It adds "report this
// job" to an open job, and on a 404 asks the API, which shows a pending or rejected post to
// its own employer (to anyone else the page stays "not found").
import { api } from './api.js';
import { initChrome } from './chrome.js';
import { $, fill, h, settle } from './dom.js';
import { placeText, salaryText } from './jobs-common.js';

// The description is Markdown the server rendered and sanitised (nh3: no script, no handler,
// https and mailto links only). It is parsed inert and its nodes moved in, never run.
function descriptionNodes(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return [...doc.body.childNodes];
}

function applyLink(apply) {
  const href = apply.startsWith('https://') ? apply : `mailto:${apply}`;
  return h('a', { href, class: 'button', rel: 'nofollow noopener noreferrer' }, 'Apply');
}

function enableReport(id) {
  const row = $('#job-report');
  if (!row) return;
  const button = row.querySelector('button');
  const status = row.querySelector('[role="status"]');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/jobs/${encodeURIComponent(id)}/report`, { method: 'POST' });
      fill(status, 'Thank you: we will look at this post.');
    } catch (error) {
      button.disabled = false;
      fill(status, error.message);
    }
  });
  row.hidden = false;
}

// An employer's own post that visitors cannot see yet (or any more): from the API, as text.
function renderOwn(page) {
  const { job } = page;
  document.title = `${job.title} · ${job.organization} · CareerCenter · CodeRef`;
  const creds = (label, list) => (list.length ? h('li', {}, `${label}: ${list.join(', ')}`) : null);
  fill($('#job'),
    h('h1', { id: 'job-title' }, job.title),
    h('p', { class: 'notice' }, `Only you see this post. Status: ${job.status}`, job.reason ? ` (${job.reason})` : ''),
    h('p', { class: 'lead' }, job.organization, ' · ', placeText(job)),
    h('ul', {},
      h('li', {}, `Salary: ${salaryText(job)}`),
      h('li', {}, `Employment: ${job.employment_type}, ${job.experience} level`),
      creds('Credentials required', job.credentials_required),
      creds('Credentials preferred', job.credentials_preferred),
      creds('Specialties', job.specialties),
      h('li', {}, `Open until ${job.expires_at.slice(0, 10)}`)),
    h('section', { class: 'job-description', 'aria-label': 'Description' }, descriptionNodes(page.description_html)),
    h('p', {}, applyLink(job.apply)),
    h('p', {}, h('a', { href: '/jobs#my-jobs-panel' }, 'Your posts')));
}

async function main() {
  initChrome();
  const article = $('#job');
  const id = article ? article.dataset.jobId : '';
  if (article && article.dataset.state === 'open') enableReport(id);
  if (article && article.dataset.state === 'missing' && id) {
    try {
      renderOwn(await api(`/api/jobs/${encodeURIComponent(id)}`));
    } catch {
      // Not the employer's (or no such post): the server's "not found" stands.
    }
  }
  settle(document.title);
}

main();
