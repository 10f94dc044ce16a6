// The account page: who is logged in, the plan, the views left and the codes opened so far.
import { api } from './api.js';
import { initChrome, loadMe, logOutButton } from './chrome.js';
import { $, codeLink, fill, h, settle } from './dom.js';

const PLAN_NAMES = { guest: 'Guest (not registered)', free: 'Free', unlimited: 'Unlimited' };

function remaining(meter) {
  if (!meter) return 'Unknown';
  return meter.remaining == null ? 'Unlimited' : String(meter.remaining);
}

function since(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || '';
  return date.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });
}

const codeItem = (c) => h('li', {}, codeLink(c.system, c, { showSystem: true, showBadges: false }));

// /api/me lists the codes a page at a time (in code order); "Show more" asks for the next page.
function unlockedList(unlocked, next) {
  if (!unlocked.length) return h('p', {}, 'None yet. Codes you open are listed here and stay open at no further cost.');
  const list = h('ul', { class: 'code-list' }, unlocked.map(codeItem));
  if (!next) return list;
  let after = next;
  const more = h('button', { type: 'button', class: 'button secondary' }, 'Show more');
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await api(`/api/me?after=${encodeURIComponent(after)}`);
      list.append(...(page.unlocked || []).map(codeItem));
      after = page.unlocked_next;
      if (!after) more.remove();
    } finally {
      more.disabled = false;
    }
  });
  return [list, h('p', { class: 'actions' }, more)];
}

function render(me) {
  const meter = me.meter || {};
  const unlocked = Array.isArray(me.unlocked) ? me.unlocked : [];
  if (!me.user) {
    fill($('#account'),
      h('p', {}, 'You are not logged in.'),
      h('dl', { class: 'facts' }, h('dt', {}, 'Code page views remaining'), h('dd', {}, remaining(meter))),
      h('p', { class: 'actions' }, h('a', { class: 'button', href: '/login' }, 'Log in'),
        h('a', { class: 'button secondary', href: '/register' }, 'Register free')),
      unlocked.length ? [h('h2', {}, 'Codes opened in this browser'), unlockedList(unlocked, me.unlocked_next)] : null);
    return;
  }
  const { user } = me;
  fill($('#account'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Email'), h('dd', {}, user.email),
      h('dt', {}, 'Plan'), h('dd', {}, PLAN_NAMES[user.plan] || user.plan),
      h('dt', {}, 'Code page views remaining'), h('dd', { id: 'views-remaining' }, remaining(meter)),
      user.created_at ? [h('dt', {}, 'Member since'), h('dd', {}, since(user.created_at))] : null),
    h('h2', {}, 'Codes you have opened'),
    unlockedList(unlocked, me.unlocked_next),
    h('p', { class: 'actions' }, logOutButton()));
}

async function start() {
  const chrome = initChrome();
  try {
    render(await loadMe());
  } catch (error) {
    fill($('#account'), h('div', { class: 'notice error', role: 'alert' },
      h('p', {}, `Your account could not be loaded. ${error.message}`),
      h('p', {}, h('a', { href: '/account' }, 'Try again'))));
  }
  await chrome;
  settle();
}

start();
