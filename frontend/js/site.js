// Pages with nothing of their own to load (the not-found page): the shared header and banner.
import { initChrome } from './chrome.js';
import { settle } from './dom.js';

initChrome().finally(() => settle());
