// Form plumbing shared by the account pages: field errors tied to their inputs, one message
// area per form, and a submit button that cannot be pressed twice.
import { fill, h } from './dom.js';

export function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const own = document.getElementById(`${input.id}-error`);
    if (own) own.remove();
    const hint = input.dataset.hint;
    if (hint) input.setAttribute('aria-describedby', hint);
    else input.removeAttribute('aria-describedby');
  }
  const box = form.querySelector('.form-error');
  box.hidden = true;
  fill(box);
}

export function fieldError(input, message) {
  if (input.dataset.hint === undefined) input.dataset.hint = input.getAttribute('aria-describedby') || '';
  const id = `${input.id}-error`;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [id, input.dataset.hint].filter(Boolean).join(' '));
  input.closest('.field').append(h('p', { class: 'field-error', id }, message));
}

export function formError(form, ...content) {
  const box = form.querySelector('.form-error');
  fill(box, h('p', {}, content));
  box.hidden = false;
}

// Runs `work` with the submit button disabled; a thrown error is shown by `onError`.
export function onSubmit(form, work, onError) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    clearErrors(form);
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await work();
    } catch (error) {
      onError(error);
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}

// Checks the browser can judge without the server: empty fields and malformed emails.
export function checkRequired(form) {
  let first = null;
  for (const input of form.querySelectorAll('input[required]')) {
    let message = '';
    if (!input.value.trim()) message = `Enter your ${input.labels[0].textContent.toLowerCase()}.`;
    else if (input.type === 'email' && !input.validity.valid) message = 'Enter an email address such as name@example.com.';
    if (message) {
      fieldError(input, message);
      first = first || input;
    }
  }
  if (first) first.focus();
  return !first;
}
