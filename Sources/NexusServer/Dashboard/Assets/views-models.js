// Models: what the store holds (GET api/tags) and what is loaded (GET api/ps); pulling a GGUF by
// URL with live progress from api/pull's NDJSON stream, and deleting, for keys that manage models.

import {api, readNDJSON, request} from './api.js';
import {
  badge, confirmingButton, errorNote, field, fill, fmt, h, note, pagedTable, setState, stateForError, toast, when,
} from './dom.js';

function pullForm(ctx) {
  const name = h('input', {name: 'model', type: 'text', required: true, placeholder: 'e.g. tiny:q4', autocomplete: 'off', spellcheck: 'false'});
  const url = h('input', {name: 'url', type: 'url', placeholder: 'https://host/file.gguf', autocomplete: 'off', spellcheck: 'false'});
  const digest = h('input', {name: 'sha256', type: 'text', placeholder: '64 hex digits (recommended)', pattern: '[0-9a-fA-F]{64}', autocomplete: 'off', spellcheck: 'false'});
  const bar = h('progress', {max: 1, value: 0, 'aria-label': 'Pull progress'});
  const status = h('p', {class: 'progress-text', 'aria-live': 'polite'});
  const progress = h('div', {class: 'progress', hidden: true}, bar, status);
  const submit = h('button', {type: 'submit', dataset: {action: 'pull-model'}, text: 'Pull'});
  const form = h('form', {class: 'form-grid', dataset: {form: 'pull-model'}},
    field('Name', name, 'The name the model gets here.'),
    field('GGUF URL', url, 'Registries are not reached: give the file’s URL. Without one, a name already here pulls nothing.'),
    field('SHA-256', digest, 'Checked as the file arrives; a mismatch stores nothing.'),
    h('div', {class: 'form-actions wide'}, submit), progress);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {model: name.value.trim(), stream: true};
    if (url.value.trim()) body.url = url.value.trim();
    if (digest.value.trim()) body.sha256 = digest.value.trim().toLowerCase();
    submit.disabled = true;
    progress.hidden = false;
    progress.classList.remove('failed');
    bar.removeAttribute('value');
    status.textContent = 'Starting…';
    let failed = null;
    try {
      const response = await request('api/pull', {method: 'POST', body, raw: true, signal: ctx.signal, accept: 'application/x-ndjson'});
      await readNDJSON(response, (line) => {
        if (line.error) { failed = line.error; return; }
        if (line.total) {
          bar.max = line.total;
          bar.value = line.completed || 0;
          status.textContent = `${line.status}: ${fmt.number(((line.completed || 0) / line.total) * 100, 0)} % (${fmt.bytes(line.completed || 0)} of ${fmt.bytes(line.total)})`;
        } else {
          status.textContent = line.status;
        }
      });
    } catch (error) {
      if (error.name === 'AbortError') return;
      failed = error.message;
    } finally {
      submit.disabled = false;
    }
    if (failed) {
      progress.classList.add('failed');
      status.textContent = `The pull failed: ${failed}`;
      return;
    }
    bar.max = 1;
    bar.value = 1;
    status.textContent = `Pulled ${body.model}.`;
    toast(`Pulled ${body.model}.`);
    setTimeout(() => ctx.reload(), 800);
  });
  return form;
}

export async function renderModels(root, ctx) {
  root.append(h('header', {class: 'view-head'}, h('h1', {text: 'Models'}),
    h('p', {class: 'lede', text: 'The GGUF models this server can load, and those in memory now.'})));
  if (ctx.mayAct('manage_models')) {
    root.append(h('details', {class: 'panel disclosure'}, h('summary', {}, h('h2', {text: 'Pull a model'})), pullForm(ctx)));
  }
  const body = h('div', {class: 'view-body'}, note('loading', 'Loading models…'));
  root.append(h('section', {class: 'panel', 'aria-label': 'Models'}, body));
  if (!ctx.can('read_models')) {
    fill(body, note('forbidden', "Your key's role may not see this.", null));
    setState(root, 'forbidden');
    return;
  }
  const [tags, running] = await Promise.allSettled([api.get('api/tags', {signal: ctx.signal}), api.get('api/ps', {signal: ctx.signal})]);
  if (ctx.signal.aborted) return;
  if (tags.status === 'rejected') {
    fill(body, errorNote(tags.reason, 'the models'));
    setState(root, stateForError(tags.reason));
    return;
  }
  const models = (tags.value.models || []).sort((a, b) => a.name.localeCompare(b.name));
  const loaded = new Map(running.status === 'fulfilled' ? (running.value.models || []).map((model) => [model.name, model]) : []);
  if (models.length === 0) {
    fill(body, note('empty', 'No models yet.', ctx.mayAct('manage_models') ? 'Pull one above, or with `nexus models pull` on the server.' : 'An admin pulls models.'));
    setState(root, 'empty');
    return;
  }
  const remove = async (model) => {
    try {
      await api.delete('api/delete', {model: model.name});
      toast(`Deleted ${model.name}.`);
      ctx.reload();
    } catch (error) {
      toast(error.message, 'error');
    }
  };
  fill(body,
    running.status === 'rejected' ? h('p', {class: 'hint', text: `Which models are loaded is unknown: ${running.reason.message}`}) : null,
    pagedTable({
      caption: 'Models',
      rows: models,
      rowProps: (model) => ({dataset: {model: model.name}}),
      columns: [
        {label: 'Name', cell: (model) => h('span', {class: 'mono strong', text: model.name})},
        {label: 'Family', cell: (model) => [model.details?.family, model.details?.parameter_size].filter(Boolean).join(' · ') || '—'},
        {label: 'Quantization', cell: (model) => model.details?.quantization_level || '—'},
        {label: 'Size', class: 'num', cell: (model) => fmt.bytes(model.size)},
        {label: 'Modified', cell: (model) => when(model.modified_at)},
        {label: 'In memory', cell: (model) => {
          const live = loaded.get(model.name);
          if (!live) return badge('not loaded', 'muted');
          return h('span', {}, badge('loaded', 'live'), h('small', {class: 'hint block',
            text: `${live.context_length ? `${fmt.number(live.context_length)} tokens of context · ` : ''}unloads ${fmt.time(live.expires_at)}`}));
        }},
        {label: '', class: 'actions', cell: (model) => (ctx.mayAct('manage_models')
          ? confirmingButton('delete-model', 'Delete', `Delete ${model.name}?`, 'Delete', () => remove(model), {class: 'secondary'})
          : null)},
      ],
    }));
  setState(root, 'ready');
}
