// Agent runs: the list (GET v1/agent/runs), one run with its steps streamed live from its events
// (GET v1/agent/runs/{id}/events), starting (POST v1/agent/runs) and cancelling runs, and the
// Learning page, which reads how HOPE carried recent runs out.

import {api} from './api.js';
import {
  actionButton, badge, errorNote, excerpt, facts, field, fill, fmt, h, note, pagedTable, plainButton, prettyJSON,
  select, setState, stateForError, statusTone, toast, when,
} from './dom.js';
import {followEvents} from './sse.js';

const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'budget_exhausted'];
const MODES = ['learner', 'follower', 'mixed', 'crystallized', 'taught'];
const PAGE = 50;

const words = (value) => (value ? String(value).replaceAll('_', ' ') : '—');

function statusBadge(status) {
  return badge(words(status), statusTone(status));
}

function tokens(run) {
  const total = (run.prompt_tokens || 0) + (run.completion_tokens || 0);
  return total ? fmt.number(total) : '—';
}

function took(run) {
  if (run.status === 'running') return badge('running', 'live');
  const start = Date.parse(run.created_at);
  const end = Date.parse(run.updated_at);
  return Number.isNaN(start) || Number.isNaN(end) ? '—' : fmt.seconds(Math.max(0, (end - start) / 1000));
}

// ─── Starting a run ────────────────────────────────────────────────────────────────────────────

function startForm(ctx, models) {
  const task = h('textarea', {name: 'task', rows: 3, required: true, placeholder: 'What should the agent do? e.g. Count the lines of notes.txt'});
  const model = select('model', [['', 'The server default'], ...models.map((name) => [name, name])], '');
  const profile = h('input', {name: 'profile', type: 'text', placeholder: 'default', pattern: '[A-Za-z0-9_\\-]{1,64}', autocomplete: 'off', spellcheck: 'false'});
  const steps = h('input', {name: 'max_steps', type: 'number', min: 1, max: 200, step: 1, placeholder: 'server default', inputMode: 'numeric'});
  const workspace = h('input', {name: 'workspace', type: 'text', placeholder: 'a fresh folder', pattern: '[A-Za-z0-9_\\-][A-Za-z0-9._\\-]{0,99}', autocomplete: 'off', spellcheck: 'false'});
  const problem = h('p', {class: 'form-error', role: 'alert', hidden: true});
  const form = h('form', {class: 'form-grid', dataset: {form: 'start-run'}},
    h('div', {class: 'field wide'}, h('label', {for: 'run-task', text: 'Task'}), Object.assign(task, {id: 'run-task'})),
    field('Model', model),
    field('Policy profile', profile, 'A profile of the server ($NEXUS_HOME/policies); a request can only narrow it.'),
    field('Most steps', steps),
    field('Workspace folder', workspace, 'A folder name under the workspaces of your key, never a path.'),
    h('div', {class: 'form-actions wide'}, h('button', {type: 'submit', dataset: {action: 'start-run'}, text: 'Start run'}), problem));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.hidden = true;
    if (!task.value.trim()) { problem.textContent = 'Say what the agent should do.'; problem.hidden = false; task.focus(); return; }
    const body = {task: task.value.trim()};
    if (model.value) body.model = model.value;
    if (profile.value.trim()) body.profile = profile.value.trim();
    if (steps.value) body.max_steps = Number(steps.value);
    if (workspace.value.trim()) body.workspace = workspace.value.trim();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    button.textContent = 'Starting…';
    try {
      const run = await api.post('v1/agent/runs', body);
      for (const warning of run.warnings || []) toast(warning, 'warn');
      toast(`Started ${run.id}.`);
      ctx.navigate(`#/runs/${encodeURIComponent(run.id)}`);
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    } finally {
      button.disabled = false;
      button.textContent = 'Start run';
    }
  });
  return form;
}

// ─── The list ──────────────────────────────────────────────────────────────────────────────────

function filterForm(ctx, models) {
  const status = select('status', [['', 'Any status'], ...STATUSES.map((value) => [value, words(value)])], ctx.query.get('status') || '');
  const mode = select('mode', [['', 'Any mode'], ...MODES.map((value) => [value, value])], ctx.query.get('mode') || '');
  const model = select('model', [['', 'Any model'], ...models.map((name) => [name, name])], ctx.query.get('model') || '');
  const controls = [status, mode, model];
  const fields = [field('Status', status), field('Mode', mode), field('Model', model)];
  // Admins see every key's runs, so they may narrow to one key; a server owner may read another org's.
  if (ctx.mayAct('administer')) {
    const key = h('input', {name: 'key_id', type: 'text', placeholder: 'key_…', spellcheck: 'false', value: ctx.query.get('key_id') || ''});
    controls.push(key);
    fields.push(field('Key id', key));
  }
  if (isServerOwner(ctx)) {
    const org = h('input', {name: 'org', type: 'text', placeholder: ctx.org, spellcheck: 'false', value: ctx.query.get('org') || ''});
    controls.push(org);
    fields.push(field('Org', org));
  }
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter runs'}, ...fields,
    h('div', {class: 'filter-actions'}, h('button', {type: 'submit', class: 'secondary', text: 'Apply'}),
      plainButton('Refresh', () => ctx.reload())));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const control of controls) if (control.value.trim()) query.set(control.name, control.value.trim());
    const text = query.toString();
    ctx.navigate(`#/runs${text ? `?${text}` : ''}`);
  });
  return form;
}

/** `?org=` for the API when the page reads another org's run. */
const orgQuery = (ctx) => (ctx.query.get('org') ? {org: ctx.query.get('org')} : undefined);

/** An owner key of the default org: it may read every org's runs (`?org=`). */
const isServerOwner = (ctx) => Boolean(ctx.me.key && ctx.me.key.role === 'owner' && ctx.org === 'default');

/** The run's link; another org's run keeps its org, which the run page reads it with. */
const runLink = (ctx, id) => `#/runs/${encodeURIComponent(id)}${ctx.query.get('org') ? `?org=${encodeURIComponent(ctx.query.get('org'))}` : ''}`;

function runsTable(ctx, first, more) {
  return pagedTable({
    caption: 'Agent runs, newest first',
    rows: first,
    fetchMore: more,
    rowProps: (run) => ({dataset: {run: run.id}}),
    columns: [
      {label: 'Run', cell: (run) => h('a', {href: runLink(ctx, run.id), class: 'mono', text: run.id})},
      {label: 'Task', class: 'grow', cell: (run) => excerpt(run.task, 90)},
      {label: 'Status', cell: (run) => statusBadge(run.status)},
      {label: 'Mode', cell: (run) => run.mode || '—'},
      {label: 'Model', cell: (run) => h('span', {class: 'mono', text: run.model})},
      {label: 'Tokens', class: 'num', cell: tokens},
      {label: 'Started', cell: (run) => when(run.created_at)},
      {label: 'Took', class: 'nowrap', cell: took},
    ],
  });
}

/**
 * One page of runs, filtered by the server, and where the next page starts (`before`, a cursor,
 * so pages do not shift as new runs start).
 */
async function runsPage(ctx, before) {
  const filters = {};
  for (const name of ['status', 'mode', 'model', 'key_id', 'org']) if (ctx.query.get(name)) filters[name] = ctx.query.get(name);
  const listed = await api.get('v1/agent/runs', {signal: ctx.signal, query: {limit: PAGE, ...filters, before}});
  const data = listed.data || [];
  if (typeof listed.has_more !== 'boolean') {
    // A server that pages nothing filters by status alone: narrow the rest here.
    return {rows: data.filter((run) => (!filters.mode || run.mode === filters.mode) && (!filters.model || run.model === filters.model)), done: true};
  }
  return {rows: data, done: !listed.has_more, next: listed.last_id};
}

async function modelNames(ctx) {
  if (!ctx.can('read_models')) return [];
  try {
    const tags = await api.get('api/tags', {signal: ctx.signal});
    return (tags.models || []).map((model) => model.name).sort();
  } catch {
    return [];
  }
}

export async function renderRuns(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Runs'}),
    h('p', {class: 'lede', text: 'Agent runs of your org, newest first. Viewer and operator keys see the runs they started; admins see every run.'})));
  const models = await modelNames(ctx);
  if (ctx.mayAct('execute_tools')) {
    root.append(h('details', {class: 'panel disclosure', open: ctx.query.get('start') === '1'},
      h('summary', {}, h('h2', {text: 'Start a run'})), startForm(ctx, models)));
  }
  const listArea = h('div', {class: 'view-body'}, note('loading', 'Loading runs…'));
  root.append(h('section', {class: 'panel', 'aria-label': 'Runs'}, filterForm(ctx, models), listArea));

  let first;
  try {
    first = await runsPage(ctx);
  } catch (error) {
    if (error.name === 'AbortError') return;
    fill(listArea, errorNote(error, 'the runs'));
    setState(root, stateForError(error));
    return;
  }
  if (first.rows.length === 0) {
    const filtered = ['status', 'mode', 'model', 'key_id', 'org'].some((name) => ctx.query.get(name));
    fill(listArea, note('empty', filtered ? 'No run matches these filters.' : 'No runs yet.',
      filtered ? 'Clear a filter to see more.' : ctx.mayAct('execute_tools') ? 'Start one above, or with `nexus run` on the server.' : 'Runs started with this key, or with `nexus run` on the server, show up here.'));
    setState(root, 'empty');
    return;
  }
  let cursor = first.next;
  const more = first.done ? null : async () => {
    const page = await runsPage(ctx, cursor);
    cursor = page.next;
    return page;
  };
  fill(listArea, runsTable(ctx, first.rows, more));
  setState(root, 'ready');
}

// ─── One run ───────────────────────────────────────────────────────────────────────────────────

function argumentsView(args) {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return h('pre', {class: 'code', text: prettyJSON(args, 3000)});
  const entries = Object.entries(args);
  if (entries.length === 0) return h('p', {class: 'hint', text: 'No arguments.'});
  // Long text (a program, a file's contents) reads better as itself than inside JSON quotes.
  return h('div', {class: 'arguments'}, entries.map(([name, value]) => {
    if (typeof value === 'string' && (value.includes('\n') || value.length > 100)) {
      return h('div', {class: 'argument'}, h('span', {class: 'arg-name', text: name}),
        h('pre', {class: 'code', text: value.length > 4000 ? `${value.slice(0, 4000)}\n… (${value.length - 4000} more characters)` : value}));
    }
    return h('div', {class: 'argument inline'}, h('span', {class: 'arg-name', text: name}),
      h('code', {text: typeof value === 'string' ? value : JSON.stringify(value)}));
  }));
}

/** The model turn's tokens, shown on the turn's first call; a call made without the model has none. */
function stepTokens(step) {
  const total = (step.prompt_tokens || 0) + (step.completion_tokens || 0);
  return total ? h('span', {class: 'step-tokens hint', 'data-tokens': String(total),
    text: `${fmt.number(step.prompt_tokens || 0)} + ${fmt.number(step.completion_tokens || 0)} tokens`}) : null;
}

function stepRow(step) {
  const status = h('span', {class: 'step-status'});
  const duration = h('span', {class: 'step-duration'});
  const result = h('div', {class: 'step-result'});
  const row = h('li', {class: 'step', dataset: {step: String(step.step ?? '?')}},
    h('div', {class: 'step-head'},
      h('span', {class: 'step-number', text: `Step ${step.step ?? '?'}`}),
      h('span', {class: 'step-tool mono', text: step.tool || '(no tool)'}),
      status, duration, stepTokens(step)),
    h('details', {class: 'step-args', open: true}, h('summary', {text: 'Arguments'}), argumentsView(step.arguments)),
    result);
  const update = (fields) => {
    const state = fields.status || 'running';
    row.dataset.status = state;
    fill(status, state === 'running' ? h('span', {class: 'spinner small', 'aria-hidden': 'true'}) : null, statusBadge(state));
    duration.textContent = fields.seconds !== undefined && fields.seconds !== null && state !== 'running' ? fmt.seconds(fields.seconds) : '';
    const content = fields.content ?? fields.result_excerpt;
    if (state !== 'running' && content !== undefined && content !== null) {
      const text = String(content);
      const cut = text.length > 2000;
      fill(result, h('p', {class: 'result-label', text: 'Result'}),
        h('pre', {class: ['code', state === 'ok' ? null : 'code-bad'], text: cut ? `${text.slice(0, 2000)}…` : text}),
        cut || fields.truncated ? h('p', {class: 'hint', text: 'An excerpt; the run keeps the whole result’s digest.'}) : null);
    }
  };
  update(step);
  return {row, update};
}

/**
 * What the model saw (GET v1/agent/runs/{id}/context): the system prompt with its recalled
 * memories and trace guidance, the task, each turn marked with its step and each tool result,
 * and the policy. Read when opened, and again when the run ends while open.
 */
function contextPanel(ctx, id) {
  const content = h('div', {class: 'context-messages'});
  const panel = h('details', {class: 'panel disclosure', 'data-context': ''},
    h('summary', {}, h('h2', {text: 'Context the model saw'})), content);
  let loaded = false;
  const load = async () => {
    fill(content, note('loading', 'Reading the context…'));
    try {
      const context = await api.get(`v1/agent/runs/${encodeURIComponent(id)}/context`, {signal: ctx.signal, query: orgQuery(ctx)});
      const messages = Array.isArray(context.messages) ? context.messages : [];
      const tools = Array.isArray(context.offered_tools) ? context.offered_tools : [];
      const schemas = Array.isArray(context.tools) ? context.tools : [];
      const turns = Array.isArray(context.turns) ? context.turns : [];
      fill(content,
        tools.length ? h('p', {class: 'context-tools', 'data-tools': ''}, h('span', {class: 'context-role', text: 'Tools offered: '}),
          h('span', {class: 'mono', text: tools.join(', ')})) : null,
        schemas.length ? h('details', {class: 'disclosure context-schemas', 'data-schemas': ''},
          h('summary', {text: `Tool schemas the model was shown (${schemas.length})`}),
          h('ul', {class: 'context-list'}, ...schemas.map(toolSchema))) : null,
        turns.length ? h('details', {class: 'disclosure context-turns', 'data-turns': ''},
          h('summary', {text: `What each turn showed (${turns.length})`}),
          h('ol', {class: 'context-list'}, ...turns.map(turnOffer))) : null,
        messages.length === 0
          ? note('empty', 'No context saved yet.', 'The conversation is saved after each step.')
          : h('ol', {class: 'context-list'}, ...messages.map(contextMessage)),
        h('details', {class: 'disclosure context-policy'}, h('summary', {text: 'Policy'}),
          h('pre', {class: 'code', text: prettyJSON(context.policy, 20000)})));
      loaded = true;
    } catch (error) {
      if (error.name !== 'AbortError') fill(content, errorNote(error, 'the context'));
    }
  };
  panel.addEventListener('toggle', () => { if (panel.open && !loaded) load(); });
  return {panel, refresh: () => { if (panel.open) load(); else loaded = false; }};
}

function toolSchema(tool) {
  return h('li', {class: 'context-message', 'data-schema': tool.name ?? ''},
    h('p', {class: 'context-role mono', text: tool.name ?? 'tool'}),
    tool.description ? h('p', {text: tool.description}) : null,
    h('pre', {class: 'code', text: prettyJSON(tool.parameters ?? {}, 8000)}));
}

function turnOffer(turn) {
  const choice = turn.program ? 'asked for a program (no tools)'
    : turn.tool_choice === 'none' ? 'no tools: an answer was due'
    : turn.tool_choice === 'required' ? 'a tool call was required'
    : String(turn.tool_choice ?? '').startsWith('function:') ? `had to call ${turn.tool_choice.slice(9)}`
    : 'the model chose';
  const names = Array.isArray(turn.tools) ? turn.tools : [];
  return h('li', {class: 'context-message', 'data-turn': String(turn.step ?? '')},
    h('p', {class: 'context-role', text: `Step ${turn.step ?? '?'}: ${choice}`}),
    names.length ? h('p', {class: 'mono', text: names.join(', ')}) : null,
    turn.appended ? h('pre', {class: 'code', text: `Added to this turn only: ${turn.appended}`}) : null);
}

function contextMessage(message) {
  const role = message.role || 'unknown';
  const label = role === 'assistant' ? (message.step ? `Model, step ${message.step}` : 'Model')
    : role === 'tool' ? `Tool result${message.tool_name ? `: ${message.tool_name}` : ''}`
    : role.charAt(0).toUpperCase() + role.slice(1);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return h('li', {class: `context-message role-${role}`, 'data-role': role},
    h('p', {class: 'context-role', text: label}),
    message.content ? h('pre', {class: 'code', text: message.content}) : null,
    ...calls.map((call) => h('pre', {class: 'code', text: `${call.name ?? 'call'} ${prettyJSON(call.arguments ?? {}, 8000)}`})));
}

function runFacts(run) {
  return facts([
    ['Status', statusBadge(run.status)],
    ['Outcome', run.outcome ? h('span', {}, statusBadge(run.outcome), run.outcome_source && run.outcome_source !== 'none' ? ` judged by ${words(run.outcome_source)}` : '') : null],
    ['Model', run.model ? h('span', {class: 'mono', text: run.model}) : null],
    ['Mode', run.mode ? `${run.mode}${run.confidence ? ` (confidence ${fmt.number(run.confidence, 2)})` : ''}` : null],
    ['Why this mode', run.dispatch_reason || null],
    ['Started', run.created_at ? h('span', {}, fmt.time(run.created_at), ' · ', when(run.created_at)) : null],
    ['Took', run.created_at ? took(run) : null],
    ['Tokens', `${fmt.number(run.prompt_tokens || 0)} prompt · ${fmt.number(run.completion_tokens || 0)} completion`],
    ['Workspace', run.workspace ? h('span', {class: 'mono', text: run.workspace}) : null],
  ]);
}

export async function renderRun(root, ctx) {
  const id = ctx.params[0];
  const title = h('h1', {}, 'Run ', h('span', {class: 'mono', text: id}));
  const headActions = h('div', {class: 'head-actions'});
  root.append(h('p', {class: 'crumbs'}, h('a', {href: '#/runs', text: '← All runs'})),
    h('header', {class: 'view-head'}, title, headActions));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading the run…'));
  root.append(body);

  let run;
  try {
    run = await api.get(`v1/agent/runs/${encodeURIComponent(id)}`, {signal: ctx.signal, query: orgQuery(ctx)});
  } catch (error) {
    if (error.name === 'AbortError') return;
    fill(body, error.status === 404
      ? note('error', `There is no run ${id} for this key.`, 'It may not exist, or it belongs to another key or org.')
      : errorNote(error, 'the run'));
    setState(root, stateForError(error));
    return;
  }

  const task = h('p', {class: 'task', text: run.task});
  const factsBox = h('div', {}, runFacts(run));
  const answer = h('section', {class: 'panel answer', 'aria-labelledby': 'answer-heading', hidden: true});
  const problem = h('div', {});
  const live = h('p', {class: 'live-line', 'aria-live': 'polite'});
  const steps = h('ol', {class: 'steps', 'aria-label': 'Steps'});
  const noSteps = note('empty', 'No steps yet.', 'Steps appear here as the agent calls tools.');
  const context = contextPanel(ctx, id);
  fill(body,
    h('section', {class: 'panel'}, h('h2', {class: 'visually-hidden', text: 'Task'}), task, factsBox),
    answer, problem,
    h('section', {class: 'panel', 'aria-labelledby': 'steps-heading'}, h('div', {class: 'panel-head'}, h('h2', {id: 'steps-heading', text: 'Steps'}), live), noSteps, steps),
    context.panel);

  const showRecord = (record) => {
    run = {...run, ...record};
    fill(factsBox, runFacts(run));
    if (run.answer) {
      answer.hidden = false;
      fill(answer, h('h2', {id: 'answer-heading', text: 'Answer'}), h('p', {class: 'answer-text', text: run.answer}));
    }
    if (run.error) fill(problem, note('error', 'The run failed.', run.error));
    updateCancel();
    updateResume();
    updateJudge();
  };

  // A cancelled run goes on from its last step; the page then follows it afresh.
  let resumeButton = null;
  const updateResume = () => {
    const wanted = run.status === 'cancelled' && ctx.mayAct('execute_tools') && !ctx.query.get('org');
    if (wanted && !resumeButton) {
      resumeButton = actionButton('resume-run', 'Resume', async () => {
        try {
          await api.post(`v1/agent/runs/${encodeURIComponent(id)}/resume`);
          toast('Resumed: the run goes on from its last step.');
          ctx.reload();
        } catch (error) {
          toast(error.message, 'error');
        }
      }, {class: 'secondary'});
      headActions.prepend(resumeButton);
    } else if (!wanted && resumeButton) {
      resumeButton.remove();
      resumeButton = null;
    }
  };

  // Good / bad for a run that ended: `bad` on a replayed run demotes its trace (and module).
  const judge = h('div', {class: 'judge', hidden: true});
  let judged = false;
  const updateJudge = () => {
    const wanted = run.status !== 'running' && ctx.mayAct('execute_tools') && !ctx.query.get('org');
    judge.hidden = !wanted;
    if (!wanted || judged) return;
    judged = true;
    const verdict = (value) => async () => {
      try {
        const result = await api.post(`v1/agent/runs/${encodeURIComponent(id)}/feedback`, {verdict: value});
        showRecord({outcome: result.outcome, outcome_source: 'feedback'});
        toast((result.effects || []).join('; ') || `Marked ${value}.`);
      } catch (error) {
        toast(error.message, 'error');
      }
    };
    fill(judge, h('span', {class: 'hint', text: 'Was this run right?'}),
      actionButton('judge-good', 'Good', verdict('good'), {class: 'secondary'}),
      actionButton('judge-bad', 'Bad', verdict('bad'), {class: 'secondary'}));
  };
  headActions.append(judge);

  // One button for the page's life, added and removed as the run's status changes, so that
  // events re-rendering the facts never take it from under a pointer or the keyboard focus.
  let cancelButton = null;
  const updateCancel = () => {
    // Another org's run (a server owner reading it) is only read here.
    const wanted = run.status === 'running' && ctx.mayAct('execute_tools') && !ctx.query.get('org');
    if (wanted && !cancelButton) {
      const button = actionButton('cancel-run', 'Cancel run', async () => {
        try {
          await api.post(`v1/agent/runs/${encodeURIComponent(id)}/cancel`);
          // The run may have ended (and the button gone) while the request was on its way.
          button.dataset.busy = 'cancelling';
          button.textContent = 'Cancelling…';
          toast('Cancelling: the run stops after its current step.');
        } catch (error) {
          toast(error.message, 'error');
        }
      }, {class: 'danger'});
      cancelButton = button;
      headActions.append(button);
    } else if (!wanted && cancelButton) {
      cancelButton.remove();
      cancelButton = null;
    }
  };
  showRecord(run);
  setState(root, 'ready');

  // Steps come from the event stream: past events first, then live ones until the run ends.
  const rows = new Map();
  const addStep = (data) => {
    const key = data.id ? `id:${data.id}` : `step:${data.step}:${data.tool}`;
    let entry = rows.get(key);
    if (!entry) {
      entry = stepRow(data);
      rows.set(key, entry);
      noSteps.remove();
      steps.append(entry.row);
    }
    return entry;
  };
  let ended = false;
  let streamError = null;
  const onEvent = (event) => {
    let data = {};
    try { data = JSON.parse(event.data); } catch { return; }
    switch (event.type) {
      case 'dispatched':
        showRecord({mode: data.mode, confidence: data.confidence, dispatch_reason: data.reason});
        break;
      case 'thinking':
        fill(live, h('span', {class: 'spinner small', 'aria-hidden': 'true'}), ` Thinking about step ${data.step}…`);
        break;
      case 'tool_call':
        addStep({...data, status: 'running'});
        fill(live, h('span', {class: 'spinner small', 'aria-hidden': 'true'}), ` Running ${data.tool}…`);
        break;
      case 'tool_result':
        addStep(data).update(data);
        live.textContent = run.status === 'running' ? 'Following live…' : '';
        break;
      case 'finished':
        ended = true;
        showRecord({status: data.status, outcome: data.outcome, outcome_source: data.outcome_source, answer: data.answer,
          prompt_tokens: data.prompt_tokens, completion_tokens: data.completion_tokens, mode: data.mode});
        break;
      case 'error':
        // Shown once the stored run says how it ended: a cancelled run's stream also ends this way.
        ended = true;
        streamError = data.message;
        break;
      default:
        break;
    }
  };

  let lastId = null;
  for (let attempt = 0; attempt < 20 && !ctx.signal.aborted; attempt += 1) {
    if (run.status === 'running') live.textContent = 'Following live…';
    try {
      const org = ctx.query.get('org');
      lastId = await followEvents(`v1/agent/runs/${encodeURIComponent(id)}/events${org ? `?org=${encodeURIComponent(org)}` : ''}`,
        {signal: ctx.signal, lastEventId: lastId, onEvent});
    } catch (error) {
      if (error.name === 'AbortError' || ctx.signal.aborted) return;
      if (error.status && error.status < 500) {
        live.textContent = `Live steps are unavailable: ${error.message}`;
        break;
      }
    }
    // The stream ended: read the stored run for its final state (the store settles it last).
    try {
      showRecord(await api.get(`v1/agent/runs/${encodeURIComponent(id)}`, {signal: ctx.signal, query: orgQuery(ctx)}));
    } catch (error) {
      if (error.name === 'AbortError') return;
    }
    if (ended || run.status !== 'running') break;
    // Still running: the connection dropped; resume after the last event seen.
    await new Promise((resolve) => setTimeout(resolve, 1000 + attempt * 500));
  }
  if (ctx.signal.aborted) return;
  context.refresh();
  live.textContent = run.status === 'running' ? 'Lost the live stream; refresh to follow again.' : `Ended: ${words(run.status)}.`;
  if (run.status !== 'running') {
    for (const entry of rows.values()) if (entry.row.dataset.status === 'running') entry.update({status: 'unfinished'});
  }
  if (streamError && run.status !== 'cancelled' && !run.error) fill(problem, note('error', 'The run stopped with an error.', streamError));
  // A run that ended before anyone followed it still shows what the store kept.
  if (rows.size === 0 && Array.isArray(run.steps)) {
    for (const step of run.steps) if (step.tool) addStep(step).update(step);
  }
}

// ─── Learning ──────────────────────────────────────────────────────────────────────────────────

const MODE_WORDS = {
  learner: 'reasoned with the model', follower: 'replayed a proven trace, no model', mixed: 'guided by a trace',
  crystallized: 'served by a compiled module, no model', taught: 'taught by a stronger model',
};

/** The modes of a shape's runs, oldest first, as a strip of marks: learning shows as a drift to the right. */
function modeStrip(modes) {
  const strip = h('span', {class: 'mode-strip', role: 'img',
    'aria-label': `Modes, oldest first: ${modes.join(', ') || 'none'}`});
  for (const mode of modes) strip.append(h('span', {class: ['mode-mark', `mode-${mode}`], title: `${mode}: ${MODE_WORDS[mode] || ''}`}));
  return strip;
}

function modeLegend() {
  return h('ul', {class: 'mode-legend', 'aria-label': 'What the marks mean'},
    Object.entries(MODE_WORDS).map(([mode, words]) => h('li', {}, h('span', {class: ['mode-mark', `mode-${mode}`], 'aria-hidden': 'true'}), ` ${mode}: ${words}`)));
}

function shapeCard(ctx, shape) {
  const rate = shape.runs ? Math.round((shape.successes / shape.runs) * 100) : 0;
  return h('li', {class: 'shape', dataset: {shape: shape.signature}},
    h('div', {class: 'shape-head'},
      h('p', {class: 'shape-task', text: shape.example_task}),
      shape.crystallized_into ? badge(`module ${shape.crystallized_into}`, 'ok') : null,
      shape.demotions > 0 ? h('span', {title: shape.demoted_because || ''}, badge(`demoted ×${shape.demotions}`, 'bad')) : null),
    h('p', {class: 'hint mono break', text: shape.signature}),
    modeStrip(shape.modes || []),
    h('dl', {class: 'shape-facts'},
      h('div', {}, h('dt', {text: 'Runs'}), h('dd', {text: `${fmt.number(shape.runs)} (${rate} % succeeded)`})),
      h('div', {}, h('dt', {text: 'Without the model'}), h('dd', {text: fmt.number(shape.model_free_runs)})),
      h('div', {}, h('dt', {text: 'Saved'}), h('dd', {text: shape.tokens_saved || shape.seconds_saved
        ? `${fmt.number(shape.tokens_saved)} tokens · ${fmt.seconds(shape.seconds_saved)}` : 'nothing yet'})),
      h('div', {}, h('dt', {text: 'A learner run costs'}), h('dd', {text: shape.learner_tokens
        ? `${fmt.number(shape.learner_tokens)} tokens · ${fmt.seconds(shape.learner_seconds)}` : '—'})),
      shape.failed_replays ? h('div', {}, h('dt', {text: 'Failed replays'}), h('dd', {text: fmt.number(shape.failed_replays)})) : null,
      h('div', {}, h('dt', {text: 'Last run'}), h('dd', {}, when(shape.last_run_at)))),
    shape.demoted_because ? h('p', {class: 'hint', text: `Replay stopped: ${shape.demoted_because}`}) : null);
}

/** Traces the crystallizer would compile next, highest priority first (seed 004's ranking). */
function candidatesSection(candidates) {
  if (candidates.length === 0) return null;
  return h('section', {class: 'panel', 'aria-labelledby': 'candidates-heading', 'data-candidates': ''},
    h('h2', {id: 'candidates-heading', text: 'Ready to crystallize'}),
    pagedTable({
      caption: 'Crystallization candidates, highest priority first',
      rows: candidates,
      columns: [
        {label: 'Priority', class: 'num', cell: (candidate) => fmt.number(candidate.priority, 1)},
        {label: 'Task', class: 'grow', cell: (candidate) => excerpt(candidate.task, 90)},
        {label: 'Uses', class: 'num', cell: (candidate) => fmt.number(candidate.uses)},
        {label: 'Success', class: 'num', cell: (candidate) => `${fmt.number(candidate.success_rate * 100, 0)} %`},
        {label: 'Replaces', cell: (candidate) => (candidate.replaces ? h('span', {class: 'mono', text: candidate.replaces}) : null)},
        {label: 'Trace', cell: (candidate) => h('a', {href: `#/runs/${encodeURIComponent(candidate.run_id)}`, class: 'mono', text: candidate.run_id})},
      ],
    }),
    h('p', {class: 'hint', text: 'The crystallizer compiles these on its next pass; `nexus crystallize` on the server does it now.'}));
}

export async function renderLearning(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Learning'}),
    h('p', {class: 'lede', text: 'HOPE learns from runs that succeed: a later task of the same shape replays the proven trace without the model, and a shape used often is compiled into a module.'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading what was learned…'));
  root.append(body);
  if (!ctx.can('read_runs')) {
    fill(body, note('forbidden', "Your key's role may not see this.", null));
    setState(root, 'forbidden');
    return;
  }
  let shapes;
  let candidates;
  try {
    const learned = await api.get('v1/learning', {signal: ctx.signal});
    shapes = learned.shapes || [];
    candidates = learned.candidates || [];
  } catch (error) {
    if (error.name === 'AbortError') return;
    fill(body, errorNote(error, 'what was learned'));
    setState(root, stateForError(error));
    return;
  }
  if (shapes.length === 0) {
    fill(body, note('empty', 'Nothing learned yet.', 'Once a run succeeds, later runs of the same shape follow it; `nexus traces list` shows the traces.'));
    setState(root, 'empty');
    return;
  }
  const sum = (name) => shapes.reduce((total, shape) => total + (shape[name] || 0), 0);
  const runs = sum('runs');
  const card = (label, value, detail) => h('div', {class: 'card'}, h('p', {class: 'card-label', text: label}),
    h('p', {class: 'card-value', text: value}), detail ? h('p', {class: 'card-detail', text: detail}) : null);
  fill(body,
    h('div', {class: 'cards'},
      card('Task shapes', fmt.number(shapes.length)),
      card('Runs', fmt.number(runs), `${fmt.number(sum('successes'))} succeeded`),
      card('Without the model', fmt.number(sum('model_free_runs')), runs ? `${fmt.number((sum('model_free_runs') / runs) * 100, 0)} % of runs` : null),
      card('Tokens saved', fmt.number(sum('tokens_saved'))),
      card('Time saved', fmt.seconds(sum('seconds_saved'))),
      card('Modules', fmt.number(shapes.filter((shape) => shape.crystallized_into).length), 'compiled from traces')),
    candidatesSection(candidates),
    h('section', {class: 'panel', 'aria-labelledby': 'shapes-heading'},
      h('div', {class: 'panel-head'}, h('h2', {id: 'shapes-heading', text: 'Task shapes, most recently run first'})),
      modeLegend(),
      h('ul', {class: 'shapes'}, shapes.map((shape) => shapeCard(ctx, shape)))),
    h('p', {class: 'hint', text: 'Each trace in full: `nexus traces list` and `nexus traces show RUN_ID` on the server.'}));
  setState(root, 'ready');
}
