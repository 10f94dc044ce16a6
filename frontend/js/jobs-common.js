// CareerCenter pieces the job pages share (the /jobs results are rendered on the server).

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
