// The CasePilot page: the question panel with no code context.
import { ask } from './assistant.js';
import { gateMembers, initChrome } from './chrome.js';
import { $, settle } from './dom.js';

const panel = $('#ask');
$('form', panel).addEventListener('submit', (event) => {
  event.preventDefault();
  ask(panel);
});
initChrome().then((me) => {
  gateMembers(panel, me);
  settle();
});
