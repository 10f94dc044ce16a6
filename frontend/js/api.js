// Every call to the API goes through here: one retry for a failed network request, and every
// failure turned into words a person can act on.

export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network', data = null, retryAfter = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;
    this.retryAfter = retryAfter;
  }
}

export const NETWORK_MESSAGE =
  'CodeRef could not be reached, even after trying again. Check your connection, then try once more.';

// Used only when the API's own message is missing (a proxy's error page, say).
const MESSAGES = {
  too_many_requests: 'Too many requests from this browser.',
  too_many_attempts: 'Too many attempts to log in.',
  service_unavailable: 'CodeRef is busy or being updated right now.',
  internal_error: 'Something went wrong on our side.',
};

const RETRY_STATUSES = new Set([502, 503, 504]);
const RETRY_DELAY_MS = 600;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function waitWords(seconds) {
  if (!seconds || seconds < 1) return 'in a moment';
  if (seconds < 90) return `in ${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `in ${minutes} minutes` : `in ${Math.ceil(minutes / 60)} hours`;
}

function messageFor(status, code, body, retryAfter) {
  const serverSays = body && body.error && typeof body.error.message === 'string' && body.error.message;
  let message = serverSays || MESSAGES[code];
  if (!message) {
    if (status >= 500) message = `CodeRef had a problem answering (error ${status}).`;
    else if (status === 404) message = 'That was not found.';
    else message = `The request was refused (error ${status}).`;
  }
  if ((status === 429 || status >= 500) && !/again/i.test(message)) {
    message += ` Please try again ${retryAfter != null ? waitWords(retryAfter) : 'in a moment'}.`;
  }
  return message;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null; // an HTML error page from a proxy: the status alone will explain it
  }
}

// GET by default; pass {method: 'POST', json} to send a body. Resolves to the parsed JSON body.
export async function api(path, { method = 'GET', json, signal } = {}) {
  const init = { method, signal, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      if (attempt === 0) {
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      throw new ApiError(NETWORK_MESSAGE);
    }
    const header = response.headers.get('Retry-After');
    const retryAfter = header != null && /^\d+$/.test(header) ? Number(header) : null;
    if (RETRY_STATUSES.has(response.status) && method === 'GET' && attempt === 0) {
      await sleep(Math.min(retryAfter != null ? retryAfter * 1000 : RETRY_DELAY_MS, 2000));
      continue;
    }
    const body = await readBody(response);
    if (response.ok) return body;
    const code = (body && body.error && body.error.code) || `http_${response.status}`;
    throw new ApiError(messageFor(response.status, code, body, retryAfter), {
      status: response.status, code, data: body, retryAfter,
    });
  }
}
