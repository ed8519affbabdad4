// Calls to the Nexus API. The key lives in sessionStorage only: never localStorage, a cookie or a
// URL, so it leaves with the tab and no other site's request can carry it (the browser never adds a
// bearer header by itself). Paths are relative, so the page works behind a proxy under a sub-path.

const STORAGE_NAME = 'nexus.key';
// Where the key is kept if the browser refuses session storage: until the page reloads.
let memoryKey = null;

export const session = {
  get key() {
    try { return sessionStorage.getItem(STORAGE_NAME) ?? memoryKey; } catch { return memoryKey; }
  },
  set key(value) {
    try {
      if (value) sessionStorage.setItem(STORAGE_NAME, value);
      else sessionStorage.removeItem(STORAGE_NAME);
    } catch {
      memoryKey = value || null;
    }
  },
};

function currentKey() {
  return session.key;
}

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code || null;
  }
}

/** The server's message from either error shape: `{"error": "…"}` or `{"error": {"message": …}}`. */
function serverMessage(body) {
  if (!body) return null;
  if (typeof body.error === 'string') return {message: body.error, code: null};
  if (body.error && typeof body.error === 'object') return {message: body.error.message || null, code: body.error.code || null};
  return null;
}

/** An error in words a person can act on, keeping the server's own sentence where it has one. */
function explain(status, said) {
  const text = said && said.message ? said.message : null;
  switch (true) {
    case status === 401: return 'Sign in with an API key to see this.';
    case status === 403: return text ? `Your key's role may not do this: ${text}` : "Your key's role may not do this.";
    case status === 404: return text || 'Not found.';
    case status === 409: return text || 'The server refused: the thing changed meanwhile.';
    case status === 413: return text || 'That is too large for the server.';
    case status === 429: return text ? `Slow down: ${text}` : 'Too many requests; try again in a moment.';
    case status === 503: return text ? `The server is busy: ${text}` : 'The server is busy; try again in a moment.';
    case status >= 500: return text ? `The server failed: ${text}` : `The server failed (HTTP ${status}).`;
    default: return text || `The request failed (HTTP ${status}).`;
  }
}

function headers(extra) {
  const all = {Accept: 'application/json', ...extra};
  const key = currentKey();
  if (key) all.Authorization = `Bearer ${key}`;
  return all;
}

function url(path, query) {
  if (path.startsWith('/')) throw new Error(`use a relative path, not ${path}`);
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** Tells the page that the server wants a (valid) key; app.js shows the sign-in form. */
function unauthorized(message) {
  window.dispatchEvent(new CustomEvent('nexus:unauthorized', {detail: {message, hadKey: Boolean(currentKey())}}));
}

/**
 * Sends a request and returns the response, or throws an ApiError whose message is a sentence.
 * `raw` leaves the body unread (streams); otherwise JSON is parsed and text returned as text.
 */
export async function request(path, {method = 'GET', body, query, signal, accept, raw = false, quiet401 = false} = {}) {
  const extra = {};
  if (body !== undefined) extra['Content-Type'] = 'application/json';
  if (accept) extra.Accept = accept;
  let response;
  try {
    response = await fetch(url(path, query), {
      method, signal, headers: headers(extra), body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The server could not be reached. Is nexus serve running?');
  }
  if (!response.ok) {
    let said = null;
    try { said = serverMessage(await response.json()); } catch { /* not JSON: the status says enough */ }
    const error = new ApiError(response.status, explain(response.status, said), said && said.code);
    error.serverMessage = said ? said.message : null;
    if (response.status === 401 && !quiet401) unauthorized(error.message);
    throw error;
  }
  if (raw) return response;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
  return response.text();
}

export const api = {
  get: (path, options) => request(path, {...options, method: 'GET'}),
  post: (path, body, options) => request(path, {...options, method: 'POST', body: body === undefined ? {} : body}),
  delete: (path, body, options) => request(path, {...options, method: 'DELETE', body}),
};

/** Reads a newline-delimited JSON body (Ollama's streaming form), one object per call of `onLine`. */
export async function readNDJSON(response, onLine) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), {stream: !done});
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onLine(JSON.parse(line));
    }
    if (done) break;
  }
  if (buffer.trim()) onLine(JSON.parse(buffer));
}
