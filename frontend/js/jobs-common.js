// CareerCenter pieces both job pages share. Every value from the API goes in as text.
import { h } from './dom.js';

export const jobHref = (id) => `/jobs/${encodeURIComponent(id)}`;

const money = (n) => `$${Number(n).toLocaleString('en-US')}`;

export function salaryText(job) {
  return `${money(job.salary_min)}–${money(job.salary_max)} a${job.salary_period === 'hour' ? 'n hour' : ' year'}`;
}

export function placeText(job) {
  if (job.arrangement === 'remote') return job.state ? `Remote (${job.state})` : 'Remote';
  const where = [job.city, job.state].filter(Boolean).join(', ');
  return `${job.arrangement === 'hybrid' ? 'Hybrid' : 'On-site'} · ${where}`;
}

export function jobCard(job) {
  const creds = [...job.credentials_required, ...job.credentials_preferred];
  return h('li', { class: 'job-card' },
    h('h3', {}, h('a', { href: jobHref(job.id) }, job.title)),
    h('p', {}, job.organization, ' · ', placeText(job), ' · ', salaryText(job)),
    creds.length ? h('p', { class: 'muted' }, 'Credentials: ', creds.join(', ')) : null);
}
