// Administration: metered usage and limits (admin/usage, admin/limits), keys (admin/keys, owners
// only: a new secret is shown once) and the audit log (admin/audit, with its filters).

import {api} from './api.js';
import {chart} from './charts.js';
import {
  badge, confirmingButton, errorNote, field, fill, fmt, h, note, pagedTable, plainButton, select, setState,
  stateForError, statusTone, toast, when,
} from './dom.js';

/** ISO 8601 without milliseconds, the form the admin routes read. */
function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function forbidden(root, body, who) {
  fill(body, note('forbidden', "Your key's role may not see this.", `This page is for ${who} keys.`));
  setState(root, 'forbidden');
}

function filterForm(ctx, route, controls) {
  const form = h('form', {class: 'filters', role: 'search'},
    controls.map(([label, control]) => field(label, control)),
    h('div', {class: 'filter-actions'}, h('button', {type: 'submit', class: 'secondary', text: 'Apply'}), plainButton('Refresh', () => ctx.reload())));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [, control] of controls) if (control.value.trim()) query.set(control.name, control.value.trim());
    const text = query.toString();
    ctx.navigate(`#/${route}${text ? `?${text}` : ''}`);
  });
  return form;
}

// ─── Usage ─────────────────────────────────────────────────────────────────────────────────────

const SINCE = {hour: 3600, day: 86400, week: 7 * 86400, month: 30 * 86400};

export async function renderUsage(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Usage'}),
    h('p', {class: 'lede', text: 'Metered requests, tokens and run units of your org, rolled up by period, key and model; and the limits that hold them.'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading usage…'));
  if (!ctx.can('administer')) { root.append(body); forbidden(root, body, 'admin and owner'); return; }
  const period = ctx.query.get('period') || 'hour';
  const span = ctx.query.get('since') || 'day';
  const groups = ctx.query.get('group_by') || 'key,model';
  root.append(h('section', {class: 'panel'}, filterForm(ctx, 'usage', [
    ['Period', select('period', [['minute', 'Per minute'], ['hour', 'Per hour'], ['day', 'Per day']], period)],
    ['Since', select('since', [['hour', 'The last hour'], ['day', 'The last 24 hours'], ['week', 'The last 7 days'], ['month', 'The last 30 days'], ['all', 'All time']], span)],
    ['Grouped by', select('group_by', [['key,model', 'Key and model'], ['key', 'Key'], ['model', 'Model'], ['none', 'Nothing (totals)']], groups)],
  ]), body));

  const since = SINCE[span] ? isoSeconds(new Date(Date.now() - SINCE[span] * 1000)) : undefined;
  const [usage, limits, keys] = await Promise.allSettled([
    api.get('admin/usage', {signal: ctx.signal, query: {period, since, group_by: groups}}),
    api.get('admin/limits', {signal: ctx.signal}),
    ctx.can('manage_keys') ? api.get('admin/keys', {signal: ctx.signal}) : Promise.resolve({data: []}),
  ]);
  if (ctx.signal.aborted) return;
  if (usage.status === 'rejected') {
    fill(body, errorNote(usage.reason, 'usage'));
    setState(root, stateForError(usage.reason));
    return;
  }
  const names = new Map(keys.status === 'fulfilled' ? (keys.value.data || []).map((key) => [key.id, key.name]) : []);
  const keyLabel = (id) => {
    if (id === undefined) return '—';
    if (id === '') return h('span', {class: 'hint', text: '(no key)'});
    return h('span', {}, h('span', {class: 'mono', text: id}), names.get(id) ? h('small', {class: 'hint block', text: names.get(id)}) : null);
  };
  const rows = (usage.value.data || []).slice().sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0));
  const totals = rows.reduce((sum, row) => {
    for (const name of ['requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'tool_calls', 'run_units']) sum[name] += row[name] || 0;
    return sum;
  }, {requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, tool_calls: 0, run_units: 0});
  // Every period of the window gets a point, quiet ones at zero, so the chart reads as a timeline.
  const STEP = {minute: 60000, hour: 3600000, day: 86400000}[period];
  const byPeriod = new Map();
  for (const row of rows) {
    const at = Date.parse(row.start);
    const sum = byPeriod.get(at) || {requests: 0, tokens: 0};
    sum.requests += row.requests || 0;
    sum.tokens += row.total_tokens || 0;
    byPeriod.set(at, sum);
  }
  const starts = [...byPeriod.keys()];
  const from = since ? Math.floor(Date.parse(since) / STEP) * STEP : Math.min(...starts);
  if ((Date.now() - from) / STEP <= 400) {
    for (let at = from; at <= Date.now(); at += STEP) if (!byPeriod.has(at)) byPeriod.set(at, {requests: 0, tokens: 0});
  }
  const timeline = [...byPeriod.entries()].sort((a, b) => a[0] - b[0]);
  const points = (pick) => timeline.map(([at, sum]) => ({
    label: period === 'day' ? new Date(at).toLocaleDateString(undefined, {month: 'short', day: 'numeric'}) : fmt.clock(new Date(at).toISOString()),
    title: fmt.time(new Date(at).toISOString()), value: pick(sum),
  }));

  const limitRows = limits.status === 'fulfilled' ? limits.value.data || [] : [];
  const limitSection = h('section', {class: 'panel', 'aria-labelledby': 'limits-heading'}, h('h2', {id: 'limits-heading', text: 'Limits'}),
    limits.status === 'rejected' ? errorNote(limits.reason, 'the limits')
      : limitRows.length === 0 ? note('empty', 'No limits are set: nothing is refused, usage is only counted.', 'Set them with `nexus limits set` or PUT admin/limits/SUBJECT/NAME.')
        : pagedTable({caption: 'Limits', rows: limitRows, columns: [
          {label: 'Subject', cell: (limit) => h('span', {class: 'mono', text: limit.subject})},
          {label: 'Limit', cell: (limit) => limit.name.replaceAll('_', ' ')},
          {label: 'Hard', class: 'num', cell: (limit) => fmt.number(limit.value)},
          {label: 'Soft', class: 'num', cell: (limit) => (limit.soft === undefined || limit.soft === null ? '—' : fmt.number(limit.soft))},
          {label: 'Set', cell: (limit) => when(limit.updated_at)},
        ]}));

  if (rows.length === 0) {
    fill(body, note('empty', 'No usage in this period.', 'Requests to the model APIs and agent runs are metered as they end.'));
    root.append(limitSection);
    setState(root, 'empty');
    return;
  }
  fill(body,
    h('div', {class: 'cards'},
      h('div', {class: 'card'}, h('p', {class: 'card-label', text: 'Requests'}), h('p', {class: 'card-value', text: fmt.number(totals.requests)})),
      h('div', {class: 'card'}, h('p', {class: 'card-label', text: 'Tokens'}), h('p', {class: 'card-value', text: fmt.number(totals.total_tokens)}),
        h('p', {class: 'card-detail', text: `${fmt.number(totals.prompt_tokens)} prompt · ${fmt.number(totals.completion_tokens)} completion`})),
      h('div', {class: 'card'}, h('p', {class: 'card-label', text: 'Tool calls'}), h('p', {class: 'card-value', text: fmt.number(totals.tool_calls)})),
      h('div', {class: 'card'}, h('p', {class: 'card-label', text: 'Run units'}), h('p', {class: 'card-value', text: fmt.number(totals.run_units)}))),
    h('div', {class: 'chart-grid'},
      chart('bar', points((sum) => sum.requests), {title: `Requests and runs per ${period}`, format: (value) => fmt.number(value), integer: true}),
      chart('bar', points((sum) => sum.tokens), {title: `Tokens per ${period}`, format: (value) => fmt.number(value), integer: true,
        emptyText: 'No tokens in this window'})),
    pagedTable({caption: 'Usage', rows, columns: [
      {label: 'Period from', cell: (row) => fmt.time(row.start)},
      {label: 'Key', cell: (row) => keyLabel(row.key_id)},
      {label: 'Model', cell: (row) => (row.model === undefined ? '—' : h('span', {class: 'mono', text: row.model || '(none)'}))},
      {label: 'Requests', class: 'num', cell: (row) => fmt.number(row.requests)},
      {label: 'Prompt', class: 'num', cell: (row) => fmt.number(row.prompt_tokens)},
      {label: 'Completion', class: 'num', cell: (row) => fmt.number(row.completion_tokens)},
      {label: 'Tool calls', class: 'num', cell: (row) => fmt.number(row.tool_calls)},
      {label: 'Run units', class: 'num', cell: (row) => fmt.number(row.run_units)},
    ]}));
  root.append(limitSection);
  setState(root, 'ready');
}

// ─── Keys ──────────────────────────────────────────────────────────────────────────────────────

const ROLES = ['viewer', 'operator', 'admin', 'owner'];

/** A secret shown once, with a copy button; it is never fetched again. */
function secretPanel(issued, what) {
  const value = h('input', {type: 'text', readOnly: true, value: issued.secret, class: 'mono secret', 'aria-label': 'The new secret', spellcheck: 'false'});
  const copy = plainButton('Copy', async () => {
    value.select();
    try { await navigator.clipboard.writeText(issued.secret); toast('Copied.'); } catch { toast('Select the secret and copy it by hand.', 'warn'); }
  });
  return h('section', {class: 'panel secret-panel', role: 'alert', dataset: {secretFor: issued.id}},
    h('h2', {text: `${what}: ${issued.name || issued.id} (${issued.role})`}),
    h('p', {}, h('strong', {text: 'Copy the secret now: it is shown this once and never again.'}), ' The server keeps only its hash.'),
    h('div', {class: 'secret-row'}, value, copy),
    plainButton('I have stored it', (event) => event.target.closest('.secret-panel').remove()));
}

export async function renderKeys(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Keys'}),
    h('p', {class: 'lede', text: 'API keys of your org (every org’s, for a server owner). A key is sent as a bearer header; the server keeps only its hash.'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading keys…'));
  if (!ctx.can('manage_keys')) { root.append(body); forbidden(root, body, 'owner'); return; }
  const secrets = h('div', {class: 'secrets'});
  const serverOwner = ctx.org === 'default';

  const name = h('input', {name: 'name', type: 'text', maxLength: 64, placeholder: 'e.g. ci or dashboard', autocomplete: 'off'});
  const role = select('role', ROLES.map((value) => [value, value]), 'viewer');
  const org = h('input', {name: 'org', type: 'text', placeholder: 'default', pattern: '[a-z0-9][a-z0-9\\-]{0,39}', autocomplete: 'off', spellcheck: 'false'});
  const problem = h('p', {class: 'form-error', role: 'alert', hidden: true});
  const form = h('form', {class: 'form-grid', dataset: {form: 'create-key'}},
    field('Name', name), field('Role', role, 'viewer < operator < admin < owner; each holds what the ones before it hold.'),
    serverOwner ? field('Org', org, 'Empty: your own org. As a server owner you may name another.') : null,
    h('div', {class: 'form-actions wide'}, h('button', {type: 'submit', dataset: {action: 'create-key'}, text: 'Create key'}), problem));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const request = {role: role.value};
    if (name.value.trim()) request.name = name.value.trim();
    if (serverOwner && org.value.trim()) request.org = org.value.trim();
    try {
      const issued = await api.post('admin/keys', request);
      secrets.prepend(secretPanel(issued, 'New key'));
      form.reset();
      await load();
      secrets.querySelector('input')?.focus();
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    }
  });
  root.append(secrets, h('details', {class: 'panel disclosure'}, h('summary', {}, h('h2', {text: 'Create a key'})), form),
    h('section', {class: 'panel', 'aria-label': 'Keys'}, body));

  const own = ctx.me.key ? ctx.me.key.id : null;
  const rotate = async (key) => {
    try {
      const issued = await api.post(`admin/keys/${encodeURIComponent(key.id)}/rotate`);
      secrets.prepend(secretPanel(issued, `Rotated ${key.id}`));
      toast(`${key.id} is revoked; its replacement is ${issued.id}.`);
      if (key.id === own) { ctx.signOutSoon('You rotated the key you signed in with; sign in with the new secret.'); return; }
      await load();
    } catch (error) {
      toast(error.message, 'error');
    }
  };
  const revoke = async (key) => {
    try {
      await api.delete(`admin/keys/${encodeURIComponent(key.id)}`);
      toast(`Revoked ${key.id}; it stops working at once.`);
      if (key.id === own) { ctx.signOutSoon('You revoked the key you signed in with.'); return; }
      await load();
    } catch (error) {
      toast(error.message, 'error');
    }
  };

  async function load() {
    let keys;
    try {
      keys = (await api.get('admin/keys', {signal: ctx.signal})).data || [];
    } catch (error) {
      if (error.name === 'AbortError') return;
      fill(body, errorNote(error, 'the keys'));
      setState(root, stateForError(error));
      return;
    }
    keys.sort((a, b) => Number(b.active) - Number(a.active) || (a.created_at < b.created_at ? 1 : -1));
    if (keys.length === 0) {
      fill(body, note('empty', 'No keys yet.', 'Create one above.'));
      setState(root, 'empty');
      return;
    }
    fill(body, pagedTable({
      caption: 'Keys',
      rows: keys,
      rowProps: (key) => ({dataset: {key: key.id}}),
      columns: [
        {label: 'Key', cell: (key) => h('span', {}, h('span', {class: 'mono', text: key.id}), key.id === own ? [' ', badge('you', 'live')] : null,
          key.rotated_from ? h('small', {class: 'hint block', text: `replaces ${key.rotated_from}`}) : null)},
        {label: 'Name', cell: (key) => key.name || '—'},
        {label: 'Role', cell: (key) => key.role},
        {label: 'Org', cell: (key) => key.org || '—'},
        {label: 'Status', cell: (key) => (key.active ? badge('active', 'ok') : h('span', {}, badge('revoked', statusTone('revoked')), ' ', when(key.revoked_at)))},
        {label: 'Created', cell: (key) => when(key.created_at)},
        {label: 'Last used', cell: (key) => (key.last_used_at ? when(key.last_used_at) : 'never')},
        {label: '', class: 'actions', cell: (key) => (key.active ? h('div', {class: 'row-actions'},
          confirmingButton('rotate-key', 'Rotate', `Replace ${key.id}? Its secret stops working at once.`, 'Rotate', () => rotate(key), {class: 'secondary'}),
          confirmingButton('revoke-key', 'Revoke', `Revoke ${key.id}? It stops working at once, for good.`, 'Revoke', () => revoke(key), {class: 'secondary'}))
          : null)},
      ],
    }));
    setState(root, 'ready');
  }
  await load();
}

// ─── Audit ─────────────────────────────────────────────────────────────────────────────────────

const FAMILIES = ['run.', 'key.', 'module.', 'model.', 'policy.', 'limit.', 'quota.', 'credential.', 'org.', 'config.', 'settings.'];

function actorCell(actor) {
  if (!actor) return '—';
  const where = [actor.ip, actor.user_agent].filter(Boolean).join(' · ');
  return h('span', {}, h('span', {class: 'mono', text: actor.name}), where ? h('small', {class: 'hint block', title: where, text: where.length > 48 ? `${where.slice(0, 47)}…` : where}) : null);
}

export async function renderAudit(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Audit log'}),
    h('p', {class: 'lede', text: 'Who did what, to which resource, and when: newest first, hash-chained and signed.'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading the audit log…'));
  if (!ctx.can('administer')) { root.append(body); forbidden(root, body, 'admin and owner'); return; }
  const type = h('input', {name: 'type', type: 'text', value: ctx.query.get('type') || '', placeholder: 'run. or key.created', list: 'audit-families', autocomplete: 'off', spellcheck: 'false'});
  const actor = h('input', {name: 'actor', type: 'text', value: ctx.query.get('actor') || '', placeholder: 'key:ID, cli:USER or a key id', autocomplete: 'off', spellcheck: 'false'});
  const resource = h('input', {name: 'resource', type: 'text', value: ctx.query.get('resource') || '', placeholder: 'run:ID or credential:', autocomplete: 'off', spellcheck: 'false'});
  const limit = select('limit', [['100', 'Newest 100'], ['500', 'Newest 500'], ['1000', 'Newest 1000']], ctx.query.get('limit') || '100');
  root.append(h('datalist', {id: 'audit-families'}, FAMILIES.map((family) => h('option', {value: family}))),
    h('section', {class: 'panel'}, filterForm(ctx, 'audit', [['Type', type], ['Actor', actor], ['Resource', resource], ['Show', limit]]), body));

  let events;
  try {
    events = (await api.get('admin/audit', {signal: ctx.signal, query: {
      type: ctx.query.get('type'), actor: ctx.query.get('actor'), resource: ctx.query.get('resource'), limit: ctx.query.get('limit') || 100,
    }})).data || [];
  } catch (error) {
    if (error.name === 'AbortError') return;
    fill(body, errorNote(error, 'the audit log'));
    setState(root, stateForError(error));
    return;
  }
  if (events.length === 0) {
    const filtered = ['type', 'actor', 'resource'].some((name) => ctx.query.get(name));
    fill(body, note('empty', filtered ? 'No event matches these filters.' : 'No events yet.', filtered ? 'A type or resource ending in "." or ":" matches a whole family.' : null));
    setState(root, 'empty');
    return;
  }
  fill(body, pagedTable({
    caption: 'Audit events, newest first',
    rows: events,
    rowProps: (event) => ({dataset: {event: event.type}}),
    columns: [
      {label: 'Time', cell: (event) => h('span', {}, fmt.time(event.time), h('small', {class: 'hint block', text: `#${event.seq}`}))},
      {label: 'Type', cell: (event) => h('span', {class: 'mono', text: event.type})},
      {label: 'Actor', cell: (event) => actorCell(event.actor)},
      {label: 'Resource', cell: (event) => h('span', {class: 'mono break', text: event.resource})},
      {label: 'Details', class: 'grow', cell: (event) => {
        const details = event.details && Object.keys(event.details).length ? JSON.stringify(event.details) : '';
        return details ? h('code', {class: 'details', title: details.slice(0, 2000), text: details.length > 140 ? `${details.slice(0, 139)}…` : details}) : '—';
      }},
    ],
  }));
  setState(root, 'ready');
}
