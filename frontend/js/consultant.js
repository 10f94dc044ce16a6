// CaseConsultant: the address and retention notice for everyone; for members the question
// form, the answer as it was mailed, and their threads (newest first, each deletable).
import { api } from './api.js';
import { gateMembers, initChrome } from './chrome.js';
import { $, fill, h, settle } from './dom.js';

const list = (value) => (Array.isArray(value) ? value : []);
// The site's address as mails write it (CODEREF_PUBLIC_URL): its links open here.
const site = { origins: new Set([window.location.origin]) };

// The mailed text with its links made clickable: only this site's own pages become links.
function linked(text) {
  const out = [];
  const pattern = /https?:\/\/[^\s]+/g;
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    out.push(text.slice(at, match.index));
    let url;
    try {
      url = new URL(match[0]);
    } catch {
      url = null;
    }
    out.push(url && site.origins.has(url.origin)
      ? h('a', { href: url.pathname + url.search }, match[0])
      : match[0]);
    at = match.index + match[0].length;
  }
  out.push(text.slice(at));
  return h('div', { class: 'reply' }, out);
}

function statusBadge(thread) {
  return h('span', { class: `badge status-${thread.status}` }, thread.status_label);
}

async function showThread(item, thread) {
  const body = item.querySelector('.thread-body');
  if (!body.hidden) {
    body.hidden = true;
    return;
  }
  body.hidden = false;
  fill(body, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const detail = await api(`/api/consultant/threads/${thread.id}`);
    fill(body, list(detail.messages).map((m) => h('div', { class: `message from-${m.role}` },
      h('p', { class: 'fine' }, `${{ member: 'You', consultant: 'CaseConsultant', coder: 'A CodeRef coder' }[m.role] || m.role}, ${m.at}`),
      linked(m.text))));
  } catch (error) {
    fill(body, h('p', { class: 'notice error' }, error.message));
  }
}

function threadItem(thread) {
  const item = h('li', { class: 'thread', 'data-id': thread.id });
  const open = h('button', { type: 'button', class: 'link' }, thread.subject);
  open.addEventListener('click', () => showThread(item, thread));
  const remove = h('button', { type: 'button', class: 'secondary' }, 'Delete', h('span', { class: 'visually-hidden' }, ` “${thread.subject}”`));
  remove.addEventListener('click', async () => {
    if (!window.confirm('Delete this thread and every message in it?')) return;
    try {
      await api(`/api/consultant/threads/${thread.id}`, { method: 'DELETE' });
      item.remove();
      $('#page-status').textContent = 'Thread deleted.';
    } catch (error) {
      $('#page-status').textContent = error.message;
    }
  });
  fill(item, h('div', { class: 'thread-head' }, open, ' ', statusBadge(thread), ' ',
    h('span', { class: 'fine' }, thread.updated_at), ' ', remove),
  h('div', { class: 'thread-body', hidden: true }));
  return item;
}

async function loadThreads() {
  const panel = $('#threads-panel');
  try {
    const data = await api('/api/consultant/threads');
    const threads = list(data.threads);
    panel.hidden = false;
    fill($('#threads'), threads.length ? threads.map(threadItem) : h('li', { class: 'muted' }, 'No threads yet.'));
  } catch {
    panel.hidden = true; // a guest: the form's panel already explains
  }
}

async function loadInfo() {
  try {
    const info = await api('/api/consultant');
    const link = $('#consult-address');
    link.textContent = info.address;
    link.href = `mailto:${info.address}`;
    $('#retention-days').textContent = String(info.retention_days);
    try {
      site.origins.add(new URL(info.site_url).origin);
    } catch {
      // no site address: only links to this origin are followed
    }
    $('#limit-hint').textContent = `Up to ${info.questions_per_day} questions a day.`;
  } catch {
    // the defaults written in the page stay
  }
}

const form = $('#consult-form');
const out = $('#consult-result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = $('#question').value;
  if (!question.trim()) {
    fill(out, h('p', { class: 'field-error' }, 'Write a question first.'));
    return;
  }
  const button = $('button[type="submit"]', form);
  button.disabled = true;
  fill(out, h('p', { class: 'loading' }, 'Asking…'));
  try {
    const asked = await api('/api/consultant/threads', {
      method: 'POST', json: { question, ask_human: $('#ask-human').checked },
    });
    fill(out, h('section', { class: 'panel answer', 'aria-labelledby': 'answer-h' },
      h('h2', { id: 'answer-h' }, 'Answer ', statusBadge(asked.thread)),
      linked(asked.reply),
      h('p', { class: 'fine' }, 'This answer was also mailed to you.')));
    $('#question').value = '';
    await loadThreads();
  } catch (error) {
    fill(out, h('div', { class: 'notice error' }, h('p', {}, `CaseConsultant could not take the question. ${error.message}`)));
  } finally {
    button.disabled = false;
  }
});

Promise.all([initChrome(), loadInfo()]).then(async ([me]) => {
  gateMembers($('#consult'), me);
  if (me && me.user) await loadThreads();
  settle();
});
