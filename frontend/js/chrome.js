// What every page shares: the account links in the header, the meter banner, log out, and
// autocomplete on every search box.
import { api } from './api.js';
import { attachAutocomplete } from './combobox.js';
import { $, fill, h, plural } from './dom.js';

let pageMeterShown = false;

function meterMessage(meter) {
  if (meter.plan === 'unlimited' || meter.remaining == null) return ['Unlimited code page views.'];
  const left = `${plural(meter.remaining, 'code page view')} remaining.`;
  const charged = meter.charged ? ' This page used one.' : '';
  const free = ' Browsing the code tree is free.';
  if (meter.plan === 'guest') {
    return [left, charged, free, ' ', h('a', { href: registerHref() }, 'Register free'),
      ' for more.'];
  }
  return [left, charged, free];
}

export function registerHref(page = '/register') {
  const here = location.pathname + location.search;
  const onAuthPage = /^\/(register|login|forgot-password|reset-password)/.test(location.pathname);
  return onAuthPage || here === '/' ? page : `${page}?next=${encodeURIComponent(here)}`;
}

// A code page's own response carries the meter after its charge; it wins over /api/me's.
export function showMeter(meter, { fromPage = false } = {}) {
  const banner = $('#meter');
  if (!banner || !meter || typeof meter !== 'object') return;
  if (pageMeterShown && !fromPage) return;
  pageMeterShown = pageMeterShown || fromPage;
  const plenty = meter.plan === 'unlimited' || meter.remaining == null || meter.remaining > 1;
  banner.classList.toggle('plenty', plenty);
  fill(banner, h('p', { class: 'wrap' }, meterMessage(meter)));
  banner.hidden = false;
}

export async function logOut() {
  await api('/api/auth/logout', { method: 'POST' });
  location.assign('/');
}

function showNotice(message) {
  const main = $('main');
  const notice = h('div', { class: 'notice error', role: 'alert' }, h('p', {}, message));
  main.prepend(notice);
}

export function logOutButton() {
  const button = h('button', { type: 'button' }, 'Log out');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await logOut();
    } catch (error) {
      button.disabled = false;
      showNotice(`You are still logged in. ${error.message}`);
    }
  });
  return button;
}

function renderNav(user) {
  const nav = $('#account-nav');
  if (!nav) return;
  if (user) {
    fill(nav, h('li', {}, h('a', { href: '/account' }, 'Account')), h('li', {}, logOutButton()));
  } else {
    fill(nav,
      h('li', {}, h('a', { href: registerHref('/login') }, 'Log in')),
      h('li', {}, h('a', { href: registerHref('/register') }, 'Register')));
  }
}

// Resolves to /api/me's body, or null when the account service cannot answer. The public pages
// work without it, so its failure only hides the banner.
let meRequest = null;

// /api/me, asked once per page however many parts of the page want it.
export function loadMe() {
  meRequest = meRequest || api('/api/me');
  return meRequest;
}

// A new account's sign-up bonus waits for its email address to be confirmed: every page says
// so, with a way to have the link sent again.
function renderConfirmNotice(user) {
  const main = $('main');
  if (!main || !user || user.email_confirmed !== false || $('#confirm-notice')) return;
  if (document.querySelector('[data-page="confirm-email"]')) return;
  const status = h('span', { role: 'status' });
  const again = h('button', { type: 'button', class: 'secondary' }, 'Send the link again');
  again.addEventListener('click', async () => {
    again.disabled = true;
    try {
      await api('/api/auth/confirm-email/resend', { method: 'POST' });
      fill(status, ` A new link is on its way to ${user.email}.`);
    } catch (error) {
      again.disabled = false;
      fill(status, ` The link was not sent. ${error.message}`);
    }
  });
  main.prepend(h('div', { class: 'notice', id: 'confirm-notice' },
    h('p', {}, h('strong', {}, 'Confirm your email address'), ` to get more code page views: open the link we sent to ${user.email}. `,
      again, status)));
}

// Copy-code buttons: shown only where the clipboard can be written (they are hidden without JS).
export function wireCopy(root = document) {
  if (!navigator.clipboard) return;
  for (const button of root.querySelectorAll('button[data-copy]')) {
    if (button.dataset.wired) continue;
    button.dataset.wired = 'true';
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      event.stopPropagation();
      const status = document.getElementById('page-status');
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        if (status) status.textContent = `Copied ${button.dataset.copy}.`;
        button.textContent = 'Copied';
      } catch {
        if (status) status.textContent = 'The code could not be copied; select it and copy it instead.';
      }
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
}

export async function initChrome() {
  for (const form of document.querySelectorAll('form[role="search"]')) attachAutocomplete(form);
  wireCopy();
  try {
    const me = await loadMe();
    renderNav(me.user);
    showMeter(me.meter);
    renderConfirmNotice(me.user);
    return me;
  } catch {
    return null;
  }
}

// A members' panel (CasePilot, Case2Code): its form for accounts, Register and Log in for
// guests. When the account service cannot say, the form shows and the API explains.
export function gateMembers(panel, me) {
  const guest = Boolean(me) && !me.user;
  panel.querySelector('.members-only').hidden = !guest;
  panel.querySelector('form').hidden = guest;
  for (const link of panel.querySelectorAll('a[data-auth]')) link.href = registerHref(`/${link.dataset.auth}`);
}
