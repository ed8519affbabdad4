// The dashboard's shell: who is calling (GET v1/me), signing in and out, and a router on
// location.hash that gives each view a fresh root and aborts the previous view's requests, streams
// and timers when the reader moves on.

import {api, session} from './api.js';
import {fill, h, note, setState, toast} from './dom.js';

// Each view group's module is loaded when first shown: the first page needs only its own, and a
// view that fails to load breaks only itself.
const lazy = (file, name) => async (root, ctx) => (await import(file))[name](root, ctx);

const ROUTES = [
  {pattern: /^overview$/, view: 'overview', title: 'Overview', render: lazy('./views-overview.js', 'renderOverview')},
  {pattern: /^runs$/, view: 'runs', title: 'Runs', render: lazy('./views-runs.js', 'renderRuns')},
  {pattern: /^runs\/([A-Za-z0-9_.-]+)$/, view: 'run', nav: 'runs', title: 'Run', render: lazy('./views-runs.js', 'renderRun')},
  {pattern: /^learning$/, view: 'learning', title: 'Learning', render: lazy('./views-runs.js', 'renderLearning')},
  {pattern: /^modules$/, view: 'modules', title: 'Modules', render: lazy('./views-modules.js', 'renderModules')},
  {pattern: /^modules\/([A-Za-z0-9_.@%-]+)$/, view: 'module', nav: 'modules', title: 'Module', render: lazy('./views-modules.js', 'renderModule')},
  {pattern: /^models$/, view: 'models', title: 'Models', render: lazy('./views-models.js', 'renderModels')},
  {pattern: /^usage$/, view: 'usage', title: 'Usage', render: lazy('./views-admin.js', 'renderUsage')},
  {pattern: /^keys$/, view: 'keys', title: 'Keys', render: lazy('./views-admin.js', 'renderKeys')},
  {pattern: /^audit$/, view: 'audit', title: 'Audit', render: lazy('./views-admin.js', 'renderAudit')},
];

/** The permission a section's link needs to be worth showing; the server decides either way. */
const NAV_NEEDS = {
  overview: null, runs: 'read_runs', learning: 'read_runs', modules: 'administer', models: 'read_models',
  usage: 'administer', keys: 'manage_keys', audit: 'administer',
};

const state = {
  me: null,           // GET v1/me's answer
  keyRequired: false, // the server answered 401 without a key
  current: null,      // the AbortController of the view on screen
};

const can = (permission) => Boolean(state.me && Array.isArray(state.me.permissions) && state.me.permissions.includes(permission));

/**
 * Whether to offer a control that acts with `permission`. A loopback server also grants some
 * permissions (managing models, generating) to any key, as Ollama does; a signed-in key is
 * offered only what its role holds by itself (`role_permissions`), so a viewer's dashboard has
 * no acting control. Signed out on loopback, the page offers what the server allows.
 */
const mayAct = (permission) => {
  if (!can(permission)) return false;
  if (!state.me.key) return true;
  return Array.isArray(state.me.role_permissions) && state.me.role_permissions.includes(permission);
};

const $ = (id) => document.getElementById(id);

// ─── Who is calling ────────────────────────────────────────────────────────────────────────────

async function loadMe() {
  try {
    state.me = await api.get('v1/me', {quiet401: true});
    state.keyRequired = false;
  } catch (error) {
    if (error.status !== 401) throw error;
    if (session.key) {
      // The kept key no longer authenticates (revoked, rotated): forget it and look again.
      session.key = null;
      showSignIn('Your key was not accepted any more (revoked or rotated); sign in again.');
      return loadMe();
    }
    state.me = null;
    state.keyRequired = true;
  }
  return state.me;
}

function renderChrome() {
  const me = state.me;
  const who = $('who-text');
  const signedIn = Boolean(me && me.authenticated);
  if (signedIn) {
    fill(who, h('span', {class: 'who-name', text: me.key.name || me.key.id}),
      h('span', {class: 'who-role', text: ` ${me.key.role}${me.org && me.org !== 'default' ? ` · org ${me.org}` : ''}`}));
  } else if (me) {
    fill(who, h('span', {class: 'who-name', text: 'Not signed in'}), h('span', {class: 'who-role', text: ' local access'}));
  } else {
    fill(who, h('span', {class: 'who-name', text: 'Not signed in'}));
  }
  $('sign-out').hidden = !signedIn;
  $('show-sign-in').hidden = signedIn || state.keyRequired;
  if (signedIn) hideSignIn();
  else if (state.keyRequired) showSignIn();
  for (const link of document.querySelectorAll('#nav a[data-nav]')) {
    const needs = NAV_NEEDS[link.dataset.nav];
    link.hidden = state.keyRequired || Boolean(needs && !can(needs));
  }
  $('nav').hidden = state.keyRequired;
}

function showSignIn(message) {
  const panel = $('sign-in-panel');
  panel.hidden = false;
  const problem = $('sign-in-error');
  if (message) { problem.textContent = message; problem.hidden = false; }
  $('sign-in-note').textContent = state.keyRequired
    ? 'This server needs an API key for everything but its health.'
    : 'This server lets this machine read without a key; sign in to act with a role.';
}

function hideSignIn() {
  $('sign-in-panel').hidden = true;
  $('sign-in-error').hidden = true;
}

async function signIn(event) {
  event.preventDefault();
  const input = $('sign-in-key');
  const problem = $('sign-in-error');
  const key = input.value.trim();
  problem.hidden = true;
  if (!key) { problem.textContent = 'Type or paste an API key (nxk_…).'; problem.hidden = false; input.focus(); return; }
  const button = event.submitter || document.querySelector('[data-action="sign-in"]');
  button.disabled = true;
  session.key = key;
  try {
    const me = await api.get('v1/me', {quiet401: true});
    // Should a server answer an unknown key as no key (200, not signed in), that is a refusal too.
    if (!me.authenticated) throw Object.assign(new Error('not accepted'), {status: 401});
    state.me = me;
    state.keyRequired = false;
    input.value = '';
    toast(`Signed in as ${me.key.name || me.key.id} (${me.key.role}).`);
    renderChrome();
    route();
  } catch (error) {
    session.key = null;
    problem.textContent = error.status === 401
      ? 'That key was not accepted: it may be mistyped, revoked or rotated.'
      : `Could not sign in: ${error.message}`;
    problem.hidden = false;
    input.select();
  } finally {
    button.disabled = false;
  }
}

async function signOut(message) {
  session.key = null;
  try { await loadMe(); } catch (error) { state.me = null; }
  renderChrome();
  route();
  toast(message || 'Signed out; the key is forgotten in this tab.');
}

// A call answered 401 mid-session: the key was revoked, or this view needs one.
let handling401 = false;
window.addEventListener('nexus:unauthorized', async (event) => {
  if (handling401) return;
  handling401 = true;
  try {
    if (event.detail.hadKey) {
      session.key = null;
      await loadMe().catch(() => {});
      renderChrome();
      showSignIn('Your key was not accepted any more; sign in again.');
      route();
    } else {
      showSignIn('Sign in with a key whose role may see this.');
    }
  } finally {
    handling401 = false;
  }
});

// ─── Router ────────────────────────────────────────────────────────────────────────────────────

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const mark = raw.indexOf('?');
  return {path: mark < 0 ? raw : raw.slice(0, mark), query: new URLSearchParams(mark < 0 ? '' : raw.slice(mark + 1))};
}

function markNav(name) {
  for (const link of document.querySelectorAll('#nav a[data-nav]')) {
    if (link.dataset.nav === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function route({focus = false} = {}) {
  if (state.current) state.current.abort();
  const main = $('main');
  if (state.keyRequired) {
    state.current = null;
    const root = h('section', {class: 'view', dataset: {view: 'sign-in'}},
      h('header', {class: 'view-head'}, h('h1', {text: 'Sign in'})),
      note('forbidden', 'This server needs an API key.', 'Paste a key above. An owner makes keys with `nexus keys create` on the server, or on the Keys page.'));
    setState(root, 'ready');
    fill(main, root);
    markNav(null);
    $('sign-in-key').focus();
    return;
  }
  const {path, query} = parseHash();
  const found = ROUTES.map((candidate) => ({candidate, match: candidate.pattern.exec(path)})).find((entry) => entry.match);
  if (!found) {
    location.replace('#/overview');
    return;
  }
  const {candidate, match} = found;
  const controller = new AbortController();
  state.current = controller;
  const root = h('section', {class: 'view', dataset: {view: candidate.view}});
  setState(root, 'loading');
  fill(main, root);
  markNav(candidate.nav || candidate.view);
  document.title = `${candidate.title} · Nexus`;
  if (focus) main.focus({preventScroll: true});

  const timers = [];
  controller.signal.addEventListener('abort', () => { for (const stop of timers) stop(); });
  const ctx = {
    me: state.me || {authenticated: false, permissions: []},
    org: (state.me && (state.me.key ? state.me.key.org : state.me.org)) || 'default',
    can,
    mayAct,
    params: match.slice(1).map((part) => decodeURIComponent(part)),
    query,
    signal: controller.signal,
    navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
    reload() { if (state.current === controller) route(); },
    /** Runs `task` every `ms` while this view is shown and the page is visible, and when it becomes visible again. */
    every(ms, task) {
      let running = false;
      const tick = async () => {
        if (document.visibilityState !== 'visible' || running || controller.signal.aborted) return;
        running = true;
        try { await task(); } catch (error) { if (error.name !== 'AbortError') console.warn(error); } finally { running = false; }
      };
      const id = setInterval(tick, ms);
      document.addEventListener('visibilitychange', tick);
      timers.push(() => { clearInterval(id); document.removeEventListener('visibilitychange', tick); });
    },
    signOutSoon(message) { setTimeout(() => signOut(message), 1500); },
  };
  Promise.resolve()
    .then(() => candidate.render(root, ctx))
    .catch((error) => {
      if (error.name === 'AbortError' || controller.signal.aborted) return;
      console.error(error);
      root.append(note('error', 'This page failed to show.', error.message));
      setState(root, 'error');
    });
}

// ─── Start ─────────────────────────────────────────────────────────────────────────────────────

async function boot() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('show-sign-in').addEventListener('click', () => {
    const panel = $('sign-in-panel');
    if (panel.hidden) { showSignIn(); $('sign-in-key').focus(); } else hideSignIn();
  });
  window.addEventListener('hashchange', () => route({focus: true}));
  // The hash is the router's: the skip link moves focus itself instead of following "#main".
  $('skip-link').addEventListener('click', (event) => { event.preventDefault(); $('main').focus(); });
  if (!location.hash) history.replaceState(null, '', '#/overview');
  try {
    await loadMe();
  } catch (error) {
    fill($('main'), note('error', 'Could not ask the server who you are.', error.message));
    return;
  }
  renderChrome();
  route();
}

boot();
