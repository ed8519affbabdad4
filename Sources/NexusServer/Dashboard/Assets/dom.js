// Small DOM and formatting helpers shared by the views. Everything the server sends is put on the
// page as text (textContent, attributes), never parsed as HTML, so a run's task or a tool's output
// cannot inject markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

function assign(node, props) {
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (name === 'text') node.textContent = value;
    else if (name === 'on') for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
    else if (name === 'dataset') for (const [key, data] of Object.entries(value)) node.dataset[key] = data;
    else if (name === 'style') throw new Error('inline styles are refused by the page policy; use a class');
    // A property takes the value (href, value, hidden, ...), except a boolean property given text
    // (spellcheck: 'false'), which only its attribute reads right.
    else if (name in node && typeof node[name] !== 'function' && !name.includes('-')
             && !(typeof node[name] === 'boolean' && typeof value === 'string')) {
      // A read-only property (an input's list, form) throws in strict code: its attribute is the way.
      try { node[name] = value; } catch { node.setAttribute(name, value); }
    } else node.setAttribute(name, value === true ? '' : value);
  }
}

/** An HTML element: h('a', {href: '#/runs', class: 'x'}, 'text', child). */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  assign(node, props);
  append(node, children);
  return node;
}

/** Replaces a node's children, skipping null and false as h() does (replaceChildren would print "null"). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** An SVG element (charts). */
export function s(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'class') node.setAttribute('class', value);
    else node.setAttribute(name, value);
  }
  append(node, children);
  return node;
}

/** Marks a view's root with its state, the hook tests and styles read. */
export function setState(root, state) {
  root.dataset.state = state;
  root.setAttribute('aria-busy', state === 'loading' ? 'true' : 'false');
}

/** A designed state: loading, empty, error or forbidden, with an optional next step. */
export function note(kind, title, detail, ...extra) {
  return h('div', {class: ['note', `note-${kind}`], role: kind === 'error' ? 'alert' : null},
    kind === 'loading' ? h('span', {class: 'spinner', 'aria-hidden': 'true'}) : null,
    h('div', {class: 'note-body'}, h('p', {class: 'note-title', text: title}), detail ? h('p', {class: 'note-detail', text: detail}) : null, extra));
}

/** The note for a failed call: a 403 reads as a role question, not an error dump. */
export function errorNote(error, what) {
  if (error && error.status === 403) {
    return note('forbidden', "Your key's role may not see this.", error.message ? `The server said: ${error.message}` : null);
  }
  if (error && error.status === 401) return note('forbidden', 'Sign in to see this.', 'This server needs an API key for it.');
  return note('error', `Could not load ${what}.`, error ? error.message : null);
}

export function stateForError(error) {
  return error && (error.status === 403 || error.status === 401) ? 'forbidden' : 'error';
}

export function badge(text, tone) {
  return h('span', {class: ['badge', tone ? `badge-${tone}` : null], text});
}

export function statusTone(status) {
  return {
    running: 'live', completed: 'ok', success: 'ok', ok: 'ok', approved: 'ok', active: 'ok', pending: 'warn',
    budget_exhausted: 'warn', cancelled: 'muted', revoked: 'muted', failed: 'bad', error: 'bad', rejected: 'bad', refused: 'bad',
  }[status] || null;
}

/** A labelled form field. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', {class: 'field'}, h('label', {for: id, text: label}), control, hint ? h('small', {class: 'hint', text: hint}) : null);
}

export function select(name, options, value) {
  return h('select', {name}, options.map(([optionValue, label]) => h('option', {value: optionValue, selected: optionValue === value}, label)));
}

/** Key/value pairs as a description list; values may be nodes. */
export function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(Boolean).map(([term, value]) => [
    h('dt', {text: term}), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value),
  ]));
}

/** A button that only looks, never acts (no data-action). */
export function plainButton(text, onClick, props = {}) {
  return h('button', {type: 'button', class: props.class || 'secondary', on: {click: onClick}, ...props, text});
}

/**
 * An acting button: `data-action` is the hook role checks and tests use. It is disabled while its
 * handler runs; a handler that sets `data-busy` keeps it disabled (an action still under way).
 */
export function actionButton(action, text, onClick, props = {}) {
  const button = h('button', {type: 'button', class: props.class || null, dataset: {action}, title: props.title || null, text});
  button.addEventListener('click', async (event) => {
    if (button.disabled) return;
    button.disabled = true;
    try { await onClick(event); } finally { if (button.isConnected && button.dataset.busy === undefined) button.disabled = false; }
  });
  return button;
}

/**
 * An inline confirmation in place of a native dialog: the first click asks, the second acts.
 * `confirmAction` names the hook of the second button.
 */
export function confirmingButton(action, text, question, confirmText, onConfirm, props = {}) {
  const wrap = h('span', {class: 'confirming'});
  const first = h('button', {type: 'button', class: props.class || 'secondary', dataset: {action}, text});
  const ask = () => {
    const yes = actionButton(`confirm-${action}`, confirmText, async () => { await onConfirm(); }, {class: 'danger'});
    const no = plainButton('Keep', () => { fill(wrap, first); first.focus(); });
    fill(wrap, h('span', {class: 'question', text: question}), yes, no);
    yes.focus();
  };
  first.addEventListener('click', ask);
  wrap.append(first);
  return wrap;
}

/**
 * A table rendered a page at a time (50 rows by default) with DocumentFragments; "Show more"
 * adds the next page. With `fetchMore` (an async function giving `{rows, done}`), the next page
 * is asked of the server once the rows at hand are all shown.
 *
 * At most `keep` rows stay in the table: a table is laid out whole on every append, so ten
 * thousand rows would make each page slower than the last. Past that, the oldest rows leave the
 * top (the browser's scroll anchoring keeps what is on screen in place) and a line above the
 * table says so, with a way back to the first rows.
 */
export function pagedTable({columns, rows, pageSize = 50, keep = 500, caption, rowProps, fetchMore}) {
  const body = h('tbody');
  const more = h('div', {class: 'more'});
  const above = h('div', {class: 'more above', hidden: true});
  const all = [...rows];
  let shown = 0;
  let first = 0;
  let done = !fetchMore;
  const row = (item) => {
    const tr = h('tr', rowProps ? rowProps(item) : null);
    for (const column of columns) {
      const value = column.cell(item);
      // A dash says "no value"; an unlabelled column (row actions) stays blank instead.
      const missing = value === null || value === undefined || value === '';
      tr.append(h('td', {class: column.class || null, 'data-label': column.label}, missing ? (column.label ? '—' : null) : value));
    }
    return tr;
  };
  const renderNext = () => {
    const fragment = document.createDocumentFragment();
    const end = Math.min(all.length, shown + pageSize);
    for (let index = shown; index < end; index += 1) fragment.append(row(all[index]));
    body.append(fragment);
    shown = end;
    while (shown - first > keep) {
      body.firstElementChild.remove();
      first += 1;
    }
    above.hidden = first === 0;
    if (first > 0) {
      fill(above, h('span', {class: 'count', text: `${fmt.number(first)} earlier rows are not shown.`}),
        plainButton('Back to the first rows', backToStart, {dataset: {control: 'first'}}));
    }
    const left = all.length - shown;
    let next = null;
    if (left > 0) next = plainButton(`Show ${Math.min(left, pageSize)} more`, renderNext, {dataset: {control: 'more'}});
    else if (!done) next = plainButton('Show older', fetchNext, {dataset: {control: 'more'}});
    const range = first > 0 ? `rows ${fmt.number(first + 1)}–${fmt.number(shown)}` : fmt.number(shown);
    fill(more, h('span', {class: 'count', text: done ? `Showing ${range} of ${fmt.number(all.length)}` : `Showing ${range}`}), next);
  };
  const backToStart = () => {
    body.replaceChildren();
    shown = 0;
    first = 0;
    renderNext();
    above.scrollIntoView({block: 'nearest'});
  };
  const fetchNext = async () => {
    fill(more, h('span', {class: 'spinner small', 'aria-hidden': 'true'}), h('span', {class: 'count', text: ' Loading…'}));
    try {
      const page = await fetchMore();
      all.push(...page.rows);
      done = page.done;
    } catch (error) {
      if (error.name === 'AbortError') return;
      toast(error.message, 'error');
    }
    renderNext();
  };
  renderNext();
  const table = h('table', {class: 'data'},
    caption ? h('caption', {class: 'visually-hidden', text: caption}) : null,
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', {scope: 'col', class: column.class || null, text: column.label})))),
    body);
  return h('div', {class: 'table-block'}, above, h('div', {class: 'table-wrap'}, table), more);
}

/** A text excerpt for a cell, with the full text as its title. */
export function excerpt(text, length = 80) {
  const value = text === null || text === undefined ? '' : String(text);
  if (value.length <= length) return value;
  return h('span', {title: value.slice(0, 2000), text: `${value.slice(0, length - 1)}…`});
}

/** A short message in the page's live region. */
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', {class: ['toast', `toast-${kind}`], text: message});
  region.append(item);
  // Three at most: a burst of actions must not wall off the page.
  while (region.children.length > 3) region.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 9000 : 5000);
}

export const fmt = {
  number(value, digits = 0) {
    if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
    return Number(value).toLocaleString(undefined, {maximumFractionDigits: digits, minimumFractionDigits: 0});
  },
  ms(value) {
    if (value === null || value === undefined) return '—';
    if (value >= 10000) return `${fmt.number(value / 1000, 1)} s`;
    return `${fmt.number(value, value < 10 ? 1 : 0)} ms`;
  },
  rate(value) {
    if (value === null || value === undefined) return '—';
    return fmt.number(value, value < 10 ? 2 : 1);
  },
  bytes(value) {
    if (!value && value !== 0) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let size = Number(value);
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return `${fmt.number(size, size < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
  },
  seconds(value) {
    if (value === null || value === undefined) return '—';
    const total = Number(value);
    if (total < 1) return `${fmt.number(total * 1000, 0)} ms`;
    if (total < 90) return `${fmt.number(total, total < 10 ? 1 : 0)} s`;
    const minutes = Math.floor(total / 60);
    if (minutes < 90) return `${minutes} min ${Math.round(total % 60)} s`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${minutes % 60} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  },
  /** A date (ISO text, or seconds since 1970 as the module list gives) in the reader's time zone. */
  time(value) {
    const date = toDate(value);
    if (!date) return '—';
    return date.toLocaleString(undefined, {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'});
  },
  clock(value) {
    const date = toDate(value);
    return date ? date.toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'}) : '';
  },
  ago(value) {
    const date = toDate(value);
    if (!date) return '—';
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    if (seconds < 5) return 'just now';
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
    return `${Math.floor(seconds / 86400)} d ago`;
  },
};

export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A <time> element showing a relative time, the exact one as its title. */
export function when(value) {
  const date = toDate(value);
  if (!date) return '—';
  return h('time', {datetime: date.toISOString(), title: fmt.time(value), text: fmt.ago(value)});
}

/** JSON for reading: pretty, and cut at `limit` characters. */
export function prettyJSON(value, limit = 4000) {
  let text;
  try { text = JSON.stringify(value, null, 2); } catch { text = String(value); }
  if (text === undefined) text = '';
  return text.length > limit ? `${text.slice(0, limit)}\n… (${text.length - limit} more characters)` : text;
}
