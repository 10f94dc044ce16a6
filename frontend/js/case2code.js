// Case2Code: a pasted note in, the phrases found (highlighted in the note), candidate codes for
// each, and the denied phrases shown as excluded. The note only ever goes in as text nodes.
import { api } from './api.js';
import { gateMembers, initChrome } from './chrome.js';
import { $, codeHref, fill, h, plural, settle } from './dom.js';

const list = (value) => (Array.isArray(value) ? value : []);

const STATUS_WORDS = {
  present: 'Present',
  uncertain: 'Uncertain',
  history: 'History',
  family_history: 'Family history',
  negated: 'Excluded',
  hypothetical: 'Hypothetical',
  past_procedure: 'Past procedure',
};

// The instructional note a code follows, quoted from the classification.
function noteLine(note) {
  if (!note || !note.text) return null;
  return h('p', { class: 'fine why' }, `Follows the ${note.label || note.kind} note on ${note.on}: “${note.text}”`);
}

// The note with each phrase marked, cut at the offsets the API gives (overlaps are skipped).
function markedNote(note, findings, excluded) {
  const spans = [
    ...findings.map((f, i) => ({ ...f, excluded: false, ref: `finding-${i}` })),
    ...excluded.map((e) => ({ ...e, excluded: true })),
  ].filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end && s.end <= note.length)
    .sort((a, b) => a.start - b.start);
  const out = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    out.push(note.slice(at, span.start));
    out.push(span.excluded
      ? h('mark', { class: 'excluded' }, note.slice(span.start, span.end), h('span', { class: 'visually-hidden' }, ' (excluded)'))
      : h('mark', {}, note.slice(span.start, span.end)));
    at = span.end;
  }
  out.push(note.slice(at));
  return h('p', { class: 'note-view' }, out);
}

// The whole 44-pixel square is the checkbox's label, so it is easy to tap.
function pick(code, label) {
  return h('label', { class: 'pick' },
    h('input', { type: 'checkbox', value: code, class: 'code-pick' }),
    h('span', { class: 'visually-hidden' }, `Select ${code}${label ? ` ${label}` : ''}`));
}

function seventhNote(seventh) {
  if (!seventh) return null;
  const chosen = list(seventh.chosen);
  const options = list(seventh.options);
  if (chosen.length) return null; // the chosen full code is the candidate itself
  // A locked code's 7th-character table stays on its page: the note says so.
  if (!options.length) return h('p', { class: 'fine' }, seventh.note || 'Needs a 7th character.');
  return h('p', { class: 'fine' }, 'Needs a 7th character; choose one: ',
    options.map((o, i) => [i ? ', ' : '', h('a', { href: o.url || codeHref('icd10cm', o.code) }, o.code), ` (${o.meaning})`]));
}

function candidateRow(c) {
  // With the encounter stated, the candidate is already the full code (c.stem is its stem).
  const needsSeventh = !c.stem && list(c.seventh_character && c.seventh_character.options).length > 0;
  return h('li', { class: 'candidate' },
    needsSeventh ? h('span', { class: 'pick' }) : pick(c.code, c.title),
    h('div', {},
      h('a', { href: codeHref(c.system, c.code) }, h('span', { class: 'code' }, c.code), ' ', c.title),
      c.billable === false ? h('span', { class: 'fine' }, ' (not billable on its own)') : null,
      c.reason ? h('p', { class: 'fine why' }, c.reason) : null,
      noteLine(c.note),
      c.stem ? null : seventhNote(c.seventh_character)));
}

function codingSetBlock(set) {
  return h('section', { class: 'finding' },
    h('h3', {}, `Report together, in this order: ${list(set.findings).map((t) => `“${t}”`).join(' and ')}`),
    h('ol', { class: 'candidates' }, list(set.codes).map(candidateRow)));
}

function findingBlock(f) {
  const words = [STATUS_WORDS[f.status] || f.status];
  if (f.cue) words.push(`“${f.cue}”`);
  if (f.laterality) words.push(f.laterality);
  const candidates = list(f.candidates);
  return h('section', { class: 'finding' },
    h('h3', {}, h('mark', {}, f.text), ' ', h('span', { class: 'from' }, `${f.kind === 'procedure' ? 'Procedure' : 'Finding'} · ${words.join(' · ')}`)),
    f.note ? h('p', { class: 'fine' }, f.note) : null,
    candidates.length
      ? h('ul', { class: 'candidates' }, candidates.map(candidateRow))
      : h('p', { class: 'muted' }, f.note ? 'No code is offered for it.' : 'No code holds every word of this phrase.'));
}

function copyButton(root) {
  const status = h('p', { class: 'copy-status', role: 'status' });
  const button = h('button', { type: 'button' }, 'Copy selected codes');
  button.addEventListener('click', async () => {
    const codes = [...root.querySelectorAll('input.code-pick:checked')].map((box) => box.value);
    if (!codes.length) {
      status.textContent = 'Select at least one code first.';
      return;
    }
    const text = codes.join(', ');
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      status.textContent = `Copied ${plural(codes.length, 'code')}: ${text}`;
    } catch {
      fill(status, 'Your browser did not allow copying. Select and copy these codes yourself: ', h('code', { class: 'copy-fallback' }, text));
    }
  });
  return [h('p', { class: 'actions' }, button), status];
}

function renderResult(out, note, result) {
  const findings = list(result.findings);
  const excluded = list(result.excluded);
  const sets = list(result.coding_sets);
  const encounter = result.encounter;
  fill(out, h('section', { class: 'c2c-result', 'aria-labelledby': 'found-h' },
    h('h2', { id: 'found-h' }, `Found ${plural(findings.length, 'phrase')}, excluded ${excluded.length}`),
    h('p', { class: 'fine' }, 'Highlighted: phrases with candidate codes. Struck through: phrases the note denies, which get no codes.'),
    markedNote(note, findings, excluded),
    encounter ? h('p', {}, `Encounter: ${encounter.type} (from “${encounter.text}”).`) : null,
    result.setting ? h('p', { class: 'fine' }, `Read as an ${result.setting} note.`) : null,
    sets.length ? [h('h2', {}, 'Coding sets the classification links'), sets.map(codingSetBlock)] : null,
    findings.length ? [h('h2', {}, 'Candidate codes'), findings.map(findingBlock), copyButton(out)] : h('p', {}, result.message || 'No codable findings or procedures were found in this note.'),
    excluded.length
      ? [h('h2', {}, 'Not coded'), h('ul', { class: 'excluded-list' }, excluded.map((e) => h('li', {},
        h('mark', { class: 'excluded' }, e.text), ` ${STATUS_WORDS[e.status] || e.status}${e.cue ? ` (“${e.cue}”)` : ''}: ${e.reason || 'the note denies it.'}`)))]
      : null,
    list(result.releases).length
      ? h('p', { class: 'fine' }, `From: ${result.releases.map((r) => r.name).join('; ')}. Check every code before you use it.`)
      : null));
}

const form = $('#c2c-form');
const out = $('#c2c-result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const note = $('#note').value;
  if (!note.trim()) {
    fill(out, h('p', { class: 'field-error' }, 'Paste a case note first.'));
    return;
  }
  const button = $('button[type="submit"]', form);
  button.disabled = true;
  fill(out, h('p', { class: 'loading' }, 'Reading the note…'));
  try {
    renderResult(out, note, await api('/api/case2code', { method: 'POST', json: { text: note } }));
  } catch (error) {
    fill(out, h('div', { class: 'notice error' }, h('p', {}, `Case2Code could not read the note. ${error.message}`)));
  } finally {
    button.disabled = false;
  }
});

initChrome().then((me) => {
  gateMembers($('#c2c'), me);
  settle();
});
