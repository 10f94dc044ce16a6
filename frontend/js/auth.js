// Register, log in, forgot password, reset password and confirm email: one module, chosen by
// data-page.
import { api, waitWords } from './api.js';
import { initChrome } from './chrome.js';
import { $, fill, h, safeNext, settle } from './dom.js';
import { checkRequired, fieldError, formError, onSubmit } from './forms.js';

const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next'), '/account');
const form = $('#auth-form');

function credentials() {
  return { email: form.elements.email.value.trim(), password: form.elements.password.value };
}

function keepNext() {
  if (!params.get('next')) return;
  for (const link of document.querySelectorAll('a[data-keep-next]')) {
    link.href = `${link.pathname}?next=${encodeURIComponent(next)}`;
  }
}

function tooMany(error) {
  return `Too many attempts from here. Please try again ${waitWords(error.retryAfter)}.`;
}

const pages = {
  register() {
    onSubmit(form, async () => {
      if (!checkRequired(form)) return;
      await api('/api/auth/register', { method: 'POST', json: credentials() });
      location.assign(next);
    }, (error) => {
      if (error.code === 'invalid_input') fieldError(form.elements.email, error.message);
      else if (error.code === 'weak_password') fieldError(form.elements.password, error.message);
      else if (error.code === 'email_taken') {
        formError(form, 'An account already uses this email. ',
          h('a', { href: `/login?next=${encodeURIComponent(next)}` }, 'Log in'), ' or ',
          h('a', { href: '/forgot-password' }, 'reset the password'), '.');
      } else if (error.status === 429) formError(form, tooMany(error));
      else formError(form, `You are not registered yet. ${error.message}`);
    });
  },

  login() {
    onSubmit(form, async () => {
      if (!checkRequired(form)) return;
      await api('/api/auth/login', { method: 'POST', json: credentials() });
      location.assign(next);
    }, (error) => {
      if (error.code === 'invalid_credentials') {
        formError(form, 'That email and password do not match an account. Check both, or ',
          h('a', { href: '/forgot-password' }, 'reset your password'), '.');
        form.elements.password.value = '';
        form.elements.password.focus();
      } else if (error.status === 429) formError(form, tooMany(error));
      else formError(form, `You are not logged in. ${error.message}`);
    });
  },

  'forgot-password'() {
    onSubmit(form, async () => {
      if (!checkRequired(form)) return;
      const email = form.elements.email.value.trim();
      await api('/api/auth/password-reset', { method: 'POST', json: { email } });
      form.hidden = true;
      const done = $('#done');
      fill(done, h('p', {}, `If ${email} belongs to an account, a link to choose a new password is on its way. `,
        'The link works once and expires soon. Nothing arrived? Check the spam folder, or ask again.'));
      done.hidden = false;
    }, (error) => formError(form, error.status === 429 ? tooMany(error) : `The link was not sent. ${error.message}`));
  },

  'reset-password'() {
    const token = params.get('token') || '';
    const newLink = h('a', { href: '/forgot-password' }, 'ask for a new link');
    if (!token) {
      form.hidden = true;
      const done = $('#done');
      done.classList.replace('ok', 'error');
      fill(done, h('p', {}, 'This page needs the link from the password reset email. Open that link again, or ', newLink, '.'));
      done.hidden = false;
      return;
    }
    onSubmit(form, async () => {
      if (!checkRequired(form)) return;
      if (form.elements.password.value !== form.elements.confirm.value) {
        fieldError(form.elements.confirm, 'The two passwords differ. Type the same new password twice.');
        form.elements.confirm.focus();
        return;
      }
      await api('/api/auth/password-reset/confirm', {
        method: 'POST', json: { token, password: form.elements.password.value },
      });
      form.hidden = true;
      const done = $('#done');
      fill(done, h('p', {}, 'Your password is changed, and every session is logged out. ',
        h('a', { href: '/login' }, 'Log in with the new password'), '.'));
      done.hidden = false;
    }, (error) => {
      if (error.code === 'weak_password') fieldError(form.elements.password, error.message);
      else if (error.code === 'invalid_token') {
        formError(form, 'This reset link no longer works: it was used already or has expired. Please ', newLink, '.');
      } else formError(form, `The password was not changed. ${error.message}`);
    });
  },
};

pages['confirm-email'] = async () => {
  const token = params.get('token') || '';
  const done = $('#done');
  const show = (ok, ...content) => {
    done.classList.toggle('error', !ok);
    done.classList.toggle('ok', ok);
    fill(done, h('p', {}, ...content));
    done.hidden = false;
  };
  if (!token) {
    show(false, 'This page needs the link from the confirmation email. Open that link again.');
    return;
  }
  try {
    await api('/api/auth/confirm-email', { method: 'POST', json: { token } });
    show(true, 'Your email address is confirmed, and your extra code page views are on your account. ',
      h('a', { href: '/account' }, 'Go to your account'), ' or ', h('a', { href: '/' }, 'search for a code'), '.');
  } catch (error) {
    if (error.code === 'invalid_token') {
      show(false, 'This confirmation link no longer works: it was used already or has expired. ',
        h('a', { href: '/account' }, 'Ask for a new one from your account page'), '.');
    } else show(false, `Your email address is not confirmed yet. ${error.message}`);
  }
};

const page = $('[data-page]').dataset.page;
keepNext();
Promise.resolve(pages[page]()).finally(() => initChrome().finally(() => settle()));
