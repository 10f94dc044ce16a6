// /jobs/{id}: one job, its schema.org JobPosting data (from the API) in the page head, how to
// apply, and "report this job". An expired or closed job says so and offers similar open jobs.
import { api } from './api.js';
import { initChrome } from './chrome.js';
import { $, fill, h, settle } from './dom.js';
import { jobCard, placeText, salaryText } from './jobs-common.js';

function jobId() {
  return decodeURIComponent(location.pathname.replace(/^\/jobs\//, '').replace(/\/$/, ''));
}

// The description is Markdown the server rendered and sanitised (nh3: no script, no handler,
// https and mailto links only). It is parsed inert and its nodes moved in, never run.
function descriptionNodes(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return [...doc.body.childNodes];
}

function jsonLd(data) {
  // "<" escaped so no text in the data can close the element.
  const text = JSON.stringify(data).replace(/</g, '\\u003c');
  document.head.append(h('script', { type: 'application/ld+json', id: 'job-jsonld' }, text));
}

function applyLink(apply) {
  const href = apply.startsWith('https://') ? apply : `mailto:${apply}`;
  return h('a', { href, class: 'button', rel: 'nofollow noopener noreferrer' }, 'Apply');
}

function reportButton(id) {
  const status = h('span', { role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary' }, 'Report this job');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/jobs/${encodeURIComponent(id)}/report`, { method: 'POST' });
      fill(status, ' Thank you: we will look at this post.');
    } catch (error) {
      button.disabled = false;
      fill(status, ` ${error.message}`);
    }
  });
  return h('p', {}, button, status);
}

function render(page) {
  const { job } = page;
  document.title = `${job.title} · ${job.organization} · CareerCenter · CodeRef`;
  jsonLd(page.json_ld);
  const creds = (label, list) => (list.length ? h('li', {}, `${label}: ${list.join(', ')}`) : null);
  fill($('#job'),
    h('h1', { id: 'job-title' }, job.title),
    h('p', { class: 'lead' }, job.organization, ' · ', placeText(job)),
    job.status && job.status !== 'open'
      ? h('p', { class: 'notice' }, `Status: ${job.status}`, job.reason ? ` (${job.reason})` : '') : null,
    h('ul', {},
      h('li', {}, `Salary: ${salaryText(job)}`),
      h('li', {}, `Employment: ${job.employment_type}, ${job.experience} level`),
      creds('Credentials required', job.credentials_required),
      creds('Credentials preferred', job.credentials_preferred),
      creds('Specialties', job.specialties),
      h('li', {}, `Open until ${job.expires_at.slice(0, 10)}`)),
    h('section', { class: 'job-description', 'aria-label': 'Description' }, descriptionNodes(page.description_html)),
    h('p', {}, applyLink(job.apply)),
    h('p', {}, h('a', { href: job.organization_website, rel: 'nofollow noopener noreferrer' }, `About ${job.organization}`)),
    reportButton(job.id),
    h('p', {}, h('a', { href: '/jobs' }, 'All jobs')));
}

function renderGone(error) {
  const similar = (error.data && error.data.similar) || [];
  document.title = 'Job no longer open · CareerCenter · CodeRef';
  fill($('#job'),
    h('h1', { id: 'job-title' }, 'This job is no longer open'),
    h('p', {}, 'It has expired or was closed by its employer.'),
    similar.length ? [h('h2', {}, 'Similar open jobs'), h('ol', { class: 'job-list' }, similar.map(jobCard))] : null,
    h('p', {}, h('a', { href: '/jobs' }, 'Search all jobs')));
}

async function main() {
  initChrome();
  try {
    render(await api(`/api/jobs/${encodeURIComponent(jobId())}`));
  } catch (error) {
    if (error.status === 410) renderGone(error);
    else fill($('#job'), h('h1', { id: 'job-title' }, 'Job not found'), h('p', {}, error.message),
      h('p', {}, h('a', { href: '/jobs' }, 'Search all jobs')));
  }
  settle(document.title);
}

main();
