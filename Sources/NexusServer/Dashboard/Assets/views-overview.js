// Overview: is the server up, what is loaded, how busy it is and how fast it answers, from
// GET health and GET metrics/summary, refreshed every 5 s while the page is visible.

import {api} from './api.js';
import {chart} from './charts.js';
import {badge, errorNote, fill, fmt, h, note, setState, stateForError} from './dom.js';

function card(label, value, detail, tone) {
  return h('div', {class: ['card', tone ? `card-${tone}` : null]},
    h('p', {class: 'card-label', text: label}),
    h('p', {class: 'card-value', text: value}),
    detail ? h('p', {class: 'card-detail', text: detail}) : null);
}

function loadedModels(models) {
  if (!models || models.length === 0) {
    return note('empty', 'No model is loaded.', 'A model loads on its first request and unloads when it has been idle a while.');
  }
  return h('ul', {class: 'plain-list'}, models.map((model) => h('li', {},
    h('span', {class: 'mono', text: model.name}), ' ',
    badge(model.busy_slots > 0 ? `${model.busy_slots} busy slot${model.busy_slots === 1 ? '' : 's'}` : 'idle', model.busy_slots > 0 ? 'live' : 'muted'))));
}

function errorsByKind(hour) {
  const kinds = Object.entries(hour.errors_by_kind || {}).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
  if (kinds.length === 0) return note('empty', 'No errors in the last hour.', null);
  const total = kinds.reduce((sum, [, count]) => sum + count, 0);
  return h('ul', {class: 'bars-list'}, kinds.map(([kind, count]) => {
    const meter = h('span', {class: 'meter-fill'});
    meter.style.width = `${Math.max(2, (count / total) * 100).toFixed(1)}%`;
    return h('li', {}, h('span', {class: 'mono', text: kind.replaceAll('_', ' ')}), h('span', {class: 'meter', 'aria-hidden': 'true'}, meter),
      h('span', {class: 'num', text: fmt.number(count)}));
  }));
}

function charts(minutes) {
  const points = (pick) => minutes.map((minute) => ({label: fmt.clock(minute.start), title: fmt.time(minute.start), value: pick(minute)}));
  const requests = points((minute) => minute.requests);
  const latency = points((minute) => (minute.p95_ms === null || minute.p95_ms === undefined ? null : minute.p95_ms));
  const tokens = points((minute) => (minute.prompt_tokens || 0) + (minute.completion_tokens || 0));
  const peak = Math.max(0, ...requests.map((point) => point.value || 0));
  return h('div', {class: 'chart-grid'},
    chart('bar', requests, {title: 'Requests per minute', summary: `At most ${peak} in a minute over the last hour.`,
      format: (value) => fmt.number(value), integer: true, emptyText: 'No requests in the last hour'}),
    chart('line', latency, {title: 'p95 latency per minute', summary: 'Milliseconds; gaps are minutes without requests.',
      format: fmt.ms, emptyText: 'No requests in the last hour'}),
    chart('bar', tokens, {title: 'Tokens per minute (prompt and completion)', format: (value) => fmt.number(value), integer: true,
      emptyText: 'No tokens in the last hour'}));
}

function render(summary, health, ctx) {
  const hour = summary.last_hour || {};
  const errorRate = hour.requests ? (hour.errors / hour.requests) * 100 : 0;
  return [
    h('div', {class: 'cards'},
      card('Health', health ? 'OK' : 'Unreachable', health ? null : 'GET health did not answer', health ? 'ok' : 'bad'),
      card('Version', summary.version || '—', summary.uptime_seconds !== undefined ? `up ${fmt.seconds(summary.uptime_seconds)}` : null),
      card('Queue', fmt.number(summary.queue_depth), 'requests waiting for a slot', summary.queue_depth > 0 ? 'warn' : null),
      card('Busy slots', fmt.number(summary.busy_slots), 'decoding now', summary.busy_slots > 0 ? 'live' : null),
      card('Requests/s', fmt.rate(hour.requests_per_second), `${fmt.number(hour.requests)} in the last hour`),
      card('Tokens/s', fmt.rate(hour.tokens_per_second), `${fmt.number(hour.prompt_tokens)} prompt, ${fmt.number(hour.completion_tokens)} completion`),
      card('Errors', fmt.number(hour.errors), hour.requests ? `${fmt.number(errorRate, 1)} % of the last hour's requests` : 'none in the last hour',
        hour.errors > 0 ? 'bad' : null),
      card('p95 latency', fmt.ms(hour.p95_ms), `p50 ${fmt.ms(hour.p50_ms)} · p99 ${fmt.ms(hour.p99_ms)}`)),
    h('div', {class: 'columns'},
      h('section', {class: 'panel', 'aria-labelledby': 'loaded-heading'}, h('h2', {id: 'loaded-heading', text: 'Loaded models'}), loadedModels(summary.loaded_models)),
      h('section', {class: 'panel', 'aria-labelledby': 'errors-heading'}, h('h2', {id: 'errors-heading', text: 'Errors by kind, last hour'}), errorsByKind(hour))),
    h('section', {class: 'panel', 'aria-labelledby': 'trends-heading'}, h('h2', {id: 'trends-heading', text: 'The last hour, minute by minute'}),
      charts(summary.minutes || [])),
  ];
}

export async function renderOverview(root, ctx) {
  const stamp = h('p', {class: 'stamp', 'aria-live': 'off'});
  const body = h('div', {class: 'view-body'}, note('loading', "Loading the server's figures…"));
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Overview'}), stamp), body);
  let shown = false;

  const refresh = async () => {
    const [health, summary] = await Promise.allSettled([
      api.get('health', {signal: ctx.signal}),
      ctx.can('read_metrics') ? api.get('metrics/summary', {signal: ctx.signal}) : Promise.reject(Object.assign(new Error('no read_metrics'), {status: 403})),
    ]);
    if (ctx.signal.aborted) return;
    if (summary.status === 'fulfilled') {
      fill(body, ...render(summary.value, health.status === 'fulfilled' ? health.value : null, ctx));
      stamp.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 5 s`;
      stamp.classList.remove('stale');
      shown = true;
      setState(root, 'ready');
    } else if (shown) {
      // Keep the last figures and say they are old, rather than blanking the page on one failure.
      stamp.textContent = `Could not refresh at ${new Date().toLocaleTimeString()}: ${summary.reason.message}`;
      stamp.classList.add('stale');
    } else {
      const up = health.status === 'fulfilled';
      fill(body,
        h('div', {class: 'cards'}, card('Health', up ? 'OK' : 'Unreachable', up ? 'the server answers' : 'GET health did not answer', up ? 'ok' : 'bad')),
        errorNote(summary.reason, "the server's figures"));
      setState(root, stateForError(summary.reason));
    }
  };
  await refresh();
  ctx.every(5000, refresh);
}
