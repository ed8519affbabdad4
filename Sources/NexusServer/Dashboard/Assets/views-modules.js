// Modules: every version with its stage (GET admin/modules), one version whole with its validation
// report (GET admin/modules/{ref}), the modules HOPE made that wait for approval
// (GET admin/modules/approvals), and the lifecycle's steps for admins of the default org.

import {api} from './api.js';
import {
  actionButton, badge, confirmingButton, errorNote, facts, fill, fmt, h, note, pagedTable, prettyJSON, setState,
  stateForError, statusTone, toast, when,
} from './dom.js';

/**
 * The signed ledger's state (GET admin/ledger, what `nexus verify` finds): read after the
 * versions, since it hashes every module's bytes again. The ledger is the server's: shown to
 * admins of the default org.
 */
function ledgerSection(ctx) {
  if (ctx.org !== 'default') return null;
  const content = h('div', {}, note('loading', 'Verifying the ledger…'));
  const section = h('section', {class: 'panel', 'aria-labelledby': 'ledger-heading', 'data-ledger': ''},
    h('h2', {id: 'ledger-heading', text: 'Ledger'}), content);
  api.get('admin/ledger', {signal: ctx.signal}).then((report) => {
    const head = report.head || null;
    fill(content,
      report.passed
        ? h('p', {}, badge('verified', 'ok'), ' Every entry, checkpoint, module and audit event checks out.')
        : note('error', 'The ledger does not verify.', (report.problems || []).slice(0, 5).join(' · ')),
      facts([
        ['Entries', fmt.number(report.entries)],
        ['Checkpoints', fmt.number(report.checkpoints)],
        ['Modules checked', fmt.number(report.modules)],
        ['Audit events', fmt.number(report.audit_events)],
        ['Root', h('span', {class: 'mono', text: report.root || '—'})],
        ['Signing key', h('span', {class: 'mono', text: report.key || '—'})],
        head ? ['Signed head', h('span', {class: 'mono', text: `${head.tree_size ?? '?'} entries, root ${String(head.root_hash ?? head.root ?? '').slice(0, 16)}…`})] : null,
      ]),
      ...(report.notes || []).slice(0, 3).map((text) => h('p', {class: 'hint', text})));
  }).catch((error) => {
    if (error.name !== 'AbortError') fill(content, errorNote(error, 'the ledger'));
  });
  return section;
}

/** Installed modules serve every org, so only admins of the default org change them. */
function mayChange(ctx) {
  return ctx.mayAct('administer') && ctx.org === 'default';
}

async function step(ctx, path, done) {
  try {
    const answer = await api.post(path);
    toast(done(answer || {}));
    ctx.reload();
  } catch (error) {
    toast(error.message, 'error');
  }
}

function validationBadge(validated) {
  if (validated === true) return badge('passed', 'ok');
  if (validated === false) return badge('failed', 'bad');
  return badge('not yet', 'muted');
}

/** The lifecycle steps a version can take next, as buttons (none for a viewer or another org). */
function lifecycleActions(ctx, version, {promotedCount, waiting, promotedAlready}) {
  if (!mayChange(ctx)) return null;
  const label = `${version.name}@${version.version}`;
  const buttons = [];
  // A name and version are promoted once; the draft of a promoted version has nothing left to do.
  if (version.stage === 'draft' && !waiting && !promotedAlready) {
    if (version.validated === true) {
      buttons.push(actionButton('promote-module', 'Promote', () => step(ctx, `admin/modules/${encodeURIComponent(version.id)}/promote`,
        (made) => `Promoted ${label}${made.id ? ` as ${made.id.slice(0, 12)}` : ''}.`), {title: `Make ${label} an immutable, signed version`}));
    } else {
      buttons.push(actionButton('validate-module', 'Validate', () => step(ctx, `admin/modules/${encodeURIComponent(version.id)}/validate`,
        (report) => (report.passed ? `${label} passed validation.` : `${label} failed validation; open it for the report.`)), {class: 'secondary'}));
    }
  }
  if (version.stage === 'promoted' && !version.active) {
    buttons.push(actionButton('install-module', 'Install', () => step(ctx, `admin/modules/${encodeURIComponent(version.id)}/install`,
      () => `Installed ${label}; the next call uses it.`), {title: `Make ${label} the active version of ${version.name}`}));
  }
  if (version.stage === 'promoted' && version.active && promotedCount > 1) {
    buttons.push(confirmingButton('rollback-module', 'Roll back', `Move ${version.name} back to the version active before?`, 'Roll back',
      () => step(ctx, `admin/modules/${encodeURIComponent(version.name)}/rollback`,
        (moved) => `${version.name} is back at ${moved.version || 'its earlier version'}.`)));
  }
  return buttons.length ? h('div', {class: 'row-actions'}, buttons) : null;
}

function approvalCard(ctx, approval) {
  const reject = () => {
    const reason = h('input', {type: 'text', name: 'reason', placeholder: 'Why (optional)', maxLength: 500, 'aria-label': `Why reject ${approval.module}`});
    const confirm = actionButton('confirm-reject-module', 'Reject', async () => {
      try {
        await api.post(`admin/modules/approvals/${encodeURIComponent(approval.draft_id)}/reject`, reason.value.trim() ? {reason: reason.value.trim()} : {});
        toast(`Rejected ${approval.module}; it can never be promoted.`);
        ctx.reload();
      } catch (error) {
        toast(error.message, 'error');
      }
    }, {class: 'danger'});
    fill(actions, reason, confirm, h('button', {type: 'button', class: 'secondary', text: 'Keep waiting', on: {click: () => fill(actions, ...buttons())}}));
    reason.focus();
  };
  // Each org's admins decide its own approvals (the default org's are the crystallizer's).
  const buttons = () => (ctx.mayAct('administer') ? [
    actionButton('approve-module', 'Approve', () => step(ctx, `admin/modules/approvals/${encodeURIComponent(approval.draft_id)}/approve`,
      () => `Approved ${approval.module}: promoted and installed.`), {title: 'Sign the approval, then promote and install it'}),
    h('button', {type: 'button', class: 'secondary', dataset: {action: 'reject-module'}, text: 'Reject', on: {click: reject}}),
  ] : []);
  const actions = h('div', {class: 'row-actions'}, buttons());
  return h('li', {class: 'approval', dataset: {approval: approval.draft_id}},
    h('div', {class: 'approval-main'},
      h('p', {}, h('a', {href: `#/modules/${encodeURIComponent(approval.draft_id)}`, class: 'mono strong', text: approval.module}), ' ', badge(approval.status, statusTone(approval.status))),
      h('p', {class: 'hint'}, 'Made by ', approval.requested_by || 'Nexus', ' ', when(approval.requested_at),
        approval.trace ? [' from the trace of ', h('a', {href: `#/runs/${encodeURIComponent(approval.trace)}`, class: 'mono', text: approval.trace})] : null)),
    actions);
}

export async function renderModules(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Modules'}),
    h('p', {class: 'lede', text: 'Tools written in Lua, stored by content id: a draft is validated, promoted to an immutable signed version, then installed. Installed modules serve every org.'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading modules…'));
  root.append(body);
  if (!ctx.can('administer')) {
    fill(body, note('forbidden', "Your key's role may not see this.", 'Modules are shown to admin and owner keys.'));
    setState(root, 'forbidden');
    return;
  }
  const [versions, approvals] = await Promise.allSettled([
    api.get('admin/modules', {signal: ctx.signal}),
    api.get('admin/modules/approvals', {signal: ctx.signal}),
  ]);
  if (ctx.signal.aborted) return;
  if (versions.status === 'rejected') {
    fill(body, errorNote(versions.reason, 'the modules'));
    setState(root, stateForError(versions.reason));
    return;
  }
  const all = versions.value.data || [];
  const pending = approvals.status === 'fulfilled' ? (approvals.value.data || []).filter((item) => item.status === 'pending') : [];
  const waiting = new Set(pending.map((item) => item.draft_id));

  const approvalSection = h('section', {class: 'panel', 'aria-labelledby': 'approvals-heading'},
    h('h2', {id: 'approvals-heading', text: 'Waiting for approval'}),
    approvals.status === 'rejected' ? errorNote(approvals.reason, 'the approvals')
      : pending.length === 0 ? note('empty', 'Nothing waits for approval.', 'Modules HOPE compiles from traces wait here when approval is required.')
        : h('ul', {class: 'approvals'}, pending.map((approval) => approvalCard(ctx, approval))));

  const promotedCount = new Map();
  const promoted = new Set();
  for (const version of all) {
    if (version.stage !== 'promoted') continue;
    promotedCount.set(version.name, (promotedCount.get(version.name) || 0) + 1);
    promoted.add(`${version.name}@${version.version}`);
  }
  const sorted = [...all].sort((a, b) => a.name.localeCompare(b.name) || (b.created_at || 0) - (a.created_at || 0));
  const versionSection = h('section', {class: 'panel', 'aria-labelledby': 'versions-heading'},
    h('h2', {id: 'versions-heading', text: 'Versions'}),
    sorted.length === 0
      ? note('empty', 'No modules yet.', 'Make one with `nexus modules new DIR` on the server, or POST admin/modules.')
      : pagedTable({
        caption: 'Module versions',
        rows: sorted,
        rowProps: (version) => ({dataset: {module: version.name, stage: version.stage}}),
        columns: [
          {label: 'Module', cell: (version) => h('a', {href: `#/modules/${encodeURIComponent(version.id)}`, class: 'mono', text: version.name})},
          {label: 'Version', cell: (version) => h('span', {class: 'mono', text: version.version})},
          {label: 'Stage', cell: (version) => h('span', {}, badge(version.stage, version.stage === 'promoted' ? 'ok' : null),
            version.active ? [' ', badge('active', 'live')] : null, waiting.has(version.id) ? [' ', badge('awaiting approval', 'warn')] : null)},
          {label: 'Validation', cell: (version) => validationBadge(version.validated)},
          {label: 'Made', cell: (version) => when(version.created_at)},
          {label: 'Id', cell: (version) => h('span', {class: 'mono', title: version.id, text: version.id.slice(0, 12)})},
          {label: '', class: 'actions', cell: (version) => lifecycleActions(ctx, version,
            {promotedCount: promotedCount.get(version.name) || 0, waiting: waiting.has(version.id),
              promotedAlready: promoted.has(`${version.name}@${version.version}`)})},
        ],
      }));
  fill(body, approvalSection, versionSection, ledgerSection(ctx),
    mayChange(ctx) ? null : h('p', {class: 'hint', text: 'Only admins of the default org change installed modules.'}));
  setState(root, all.length === 0 && pending.length === 0 ? 'empty' : 'ready');
}

function checksTable(checks) {
  if (!checks || checks.length === 0) return note('empty', 'The report lists no checks.', null);
  return pagedTable({
    caption: 'Validation checks',
    rows: checks,
    columns: [
      {label: 'Stage', cell: (check) => check.stage},
      {label: 'Check', cell: (check) => check.name},
      {label: 'Result', cell: (check) => badge(check.passed ? 'passed' : 'failed', check.passed ? 'ok' : 'bad')},
      {label: 'Message', class: 'grow', cell: (check) => h('span', {}, check.message || '', check.hint ? h('small', {class: 'hint block', text: `Hint: ${check.hint}`}) : null)},
      {label: 'Time', class: 'num', cell: (check) => (check.seconds !== undefined ? fmt.seconds(check.seconds) : '—')},
    ],
  });
}

export async function renderModule(root, ctx) {
  const reference = ctx.params[0];
  root.append(h('p', {class: 'crumbs'}, h('a', {href: '#/modules', text: '← All modules'})));
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading the module…'));
  root.append(body);
  if (!ctx.can('administer')) {
    fill(body, note('forbidden', "Your key's role may not see this.", 'Modules are shown to admin and owner keys.'));
    setState(root, 'forbidden');
    return;
  }
  let module;
  let all = [];
  let pending = [];
  try {
    [module, all, pending] = await Promise.all([
      api.get(`admin/modules/${encodeURIComponent(reference)}`, {signal: ctx.signal}),
      api.get('admin/modules', {signal: ctx.signal}).then((list) => list.data || []),
      api.get('admin/modules/approvals', {signal: ctx.signal}).then((list) => list.data || []).catch(() => []),
    ]);
  } catch (error) {
    if (error.name === 'AbortError') return;
    fill(body, errorNote(error, `the module ${reference}`));
    setState(root, stateForError(error));
    return;
  }
  const manifest = module.manifest || {};
  const report = module.validation;
  const summary = all.find((version) => version.id === module.id) || {...module, validated: report ? report.passed : null};
  const promotedCount = all.filter((version) => version.name === module.name && version.stage === 'promoted').length;
  const waiting = pending.some((item) => item.draft_id === module.id && item.status === 'pending');
  const promotedAlready = module.stage === 'draft' && all.some((version) => version.stage === 'promoted' && version.name === module.name && version.version === module.version);
  fill(body,
    h('header', {class: 'view-head'}, h('h1', {}, h('span', {class: 'mono', text: `${module.name}@${module.version}`})),
      lifecycleActions(ctx, {...summary, active: module.active, stage: module.stage}, {promotedCount, waiting, promotedAlready})),
    h('section', {class: 'panel'},
      manifest.description ? h('p', {class: 'task', text: manifest.description}) : null,
      facts([
        ['Stage', h('span', {}, badge(module.stage, module.stage === 'promoted' ? 'ok' : null), module.active ? [' ', badge('active', 'live')] : null,
          waiting ? [' ', badge('awaiting approval', 'warn')] : null)],
        ['Id', h('span', {class: 'mono break', text: module.id})],
        ['Capabilities', manifest.capabilities ? h('code', {text: JSON.stringify(manifest.capabilities)}) : null],
        ['Limits', manifest.limits ? h('code', {text: JSON.stringify(manifest.limits)}) : null],
        ['Dependencies', manifest.dependencies && Object.keys(manifest.dependencies).length ? h('code', {text: JSON.stringify(manifest.dependencies)}) : 'none'],
      ])),
    h('section', {class: 'panel', 'aria-labelledby': 'report-heading'},
      h('div', {class: 'panel-head'}, h('h2', {id: 'report-heading', text: 'Validation report'}), report ? validationBadge(report.passed) : null),
      report ? checksTable(report.checks) : note('empty', 'Not validated yet.', mayChange(ctx) && module.stage === 'draft' ? 'Validate it to run its checks and tests.' : null)),
    h('details', {class: 'panel disclosure'}, h('summary', {}, h('h2', {text: 'Manifest'})), h('pre', {class: 'code', text: prettyJSON(manifest, 20000)})),
    h('details', {class: 'panel disclosure'}, h('summary', {}, h('h2', {text: 'Code'})), h('pre', {class: 'code', text: module.code || ''})));
  setState(root, 'ready');
}
