// CasePilot: a question in, a plain-text answer and the catalog entries it rests on out.
// The code page imports this only when someone asks, to keep its first load small.
import { api } from './api.js';
import { $, codeHref, fill, h } from './dom.js';

const list = (value) => (Array.isArray(value) ? value : []);

// The answer is plain text: "- " lines become a list, other lines paragraphs.
function answerBlocks(text) {
  const blocks = [];
  let items = null;
  for (const line of String(text || '').split('\n')) {
    if (line.startsWith('- ')) {
      if (!items) {
        items = h('ul', {});
        blocks.push(items);
      }
      items.append(h('li', {}, line.slice(2)));
    } else {
      items = null;
      if (line.trim()) blocks.push(h('p', {}, line));
    }
  }
  return blocks;
}

function sourceItem(source) {
  if (source.kind === 'code' && source.code) {
    return h('li', {}, h('a', { href: codeHref(source.system, source.code) },
      h('span', { class: 'code' }, source.code), ' ', source.title || ''));
  }
  if (source.kind === 'release') return h('li', {}, source.name || source.id);
  if (source.kind === 'guideline') {
    return h('li', {}, source.label || `${source.section} ${source.title || ''}`.trim());
  }
  return h('li', {}, source.title || source.name || source.label || '');
}

function codeItems(items) {
  return h('ul', { class: 'link-list' }, items.map((c) => h('li', {},
    h('a', { href: codeHref(c.system, c.code) }, h('span', { class: 'code' }, c.code), ' ', c.title || ''),
    c.reason ? h('span', { class: 'fine' }, ` ${c.reason}`) : null)));
}

function renderAnswer(out, result) {
  const details = result.details || {};
  const candidates = list(details.candidates);
  const codingSet = list(details.coding_set);
  const near = list(details.missing).flatMap((m) => list(m.near));
  const sources = list(result.sources);
  const suggestions = list(result.suggestions);
  fill(out, h('div', { class: 'answer' },
    h('h3', {}, 'CasePilot’s answer'),
    h('div', { class: 'answer-text' }, answerBlocks(result.answer)),
    codingSet.length ? [h('h4', {}, 'Report, in this order'), codeItems(codingSet)] : null,
    candidates.length ? [h('h4', {}, 'Candidate codes'), codeItems(candidates)] : null,
    near.length ? [h('h4', {}, 'Codes that do exist nearby'), codeItems(near)] : null,
    sources.length ? [h('h4', {}, 'Sources'), h('ul', { class: 'sources link-list' }, sources.map(sourceItem))] : null,
    suggestions.length
      ? h('p', { class: 'actions' }, suggestions.map((s) => h('a', { href: s.url }, s.label)))
      : null,
    h('p', { class: 'fine' }, 'Answers come from the loaded code sets and guidelines. Check them before you code.')));
}

// Sends the panel's question (with the code page's context, if any) and shows the outcome.
export async function ask(panel, context = null) {
  const input = $('textarea', panel);
  const button = $('button[type="submit"]', panel);
  const out = $('.ask-answer', panel);
  const question = input.value.trim();
  if (!question) {
    fill(out, h('p', { class: 'field-error' }, 'Type a question first.'));
    input.focus();
    return;
  }
  button.disabled = true;
  panel.setAttribute('aria-busy', 'true');
  fill(out, h('p', { class: 'loading' }, 'Asking CasePilot…'));
  try {
    const json = context ? { question, context } : { question };
    renderAnswer(out, await api('/api/assistant/ask', { method: 'POST', json }));
  } catch (error) {
    fill(out, h('div', { class: 'notice error' }, h('p', {}, `CasePilot could not answer. ${error.message}`)));
  } finally {
    button.disabled = false;
    panel.removeAttribute('aria-busy');
  }
}
