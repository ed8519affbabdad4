// Server-sent events over fetch: EventSource cannot send an Authorization header, and the run
// events route needs the key. The parser follows the event-stream format: `event:`, `data:` (lines
// joined by "\n"), `id:`, comments starting with ":", an event ending at a blank line.

import {request} from './api.js';

/**
 * Follows `path` until the server ends the stream or `signal` aborts it.
 * @param {string} path relative URL of the stream
 * @param {{signal: AbortSignal, lastEventId?: string, onEvent: (event: {type: string, id: string|null, data: string}) => void}} options
 * @returns {Promise<string|null>} the id of the last event seen, to resume from
 */
export async function followEvents(path, {signal, lastEventId = null, onEvent}) {
  const response = await request(path, {signal, raw: true, accept: 'text/event-stream',
    query: lastEventId ? {after: lastEventId} : undefined});
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data = [];
  let id = null;
  let lastId = lastEventId;

  const dispatch = () => {
    if (data.length > 0) {
      if (id !== null) lastId = id;
      onEvent({type: type || 'message', id, data: data.join('\n')});
    }
    type = '';
    data = [];
    id = null;
  };
  const take = (line) => {
    if (line === '') { dispatch(); return; }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') type = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id' && !value.includes('\0')) id = value;
  };

  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      // Lines end in \n, \r\n or \r; a trailing \r may be half of a \r\n still on its way.
      let match;
      while ((match = /\r\n|\n|\r(?!$)/.exec(buffer)) !== null) {
        take(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    }
    buffer += decoder.decode();
    if (buffer) take(buffer.replace(/\r$/, ''));
  } finally {
    reader.releaseLock();
  }
  return lastId;
}
