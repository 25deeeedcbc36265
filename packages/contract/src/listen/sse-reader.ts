// server-sent events read from a byte stream, bounded: a line or an event past `maxEventBytes` is an
// error, so a receiver (or whatever answers in its place) cannot make the reader hold unbounded text

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseLimitError extends Error {
  constructor(maxBytes: number) {
    super(`[@omni-webhooks/contract] an event stream line or event exceeded ${maxBytes} bytes`);
    this.name = 'SseLimitError';
  }
}

/** yields each complete event (comments and `retry:` skipped); ends when the stream does */
export async function* readSseEvents(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes: number,
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  let size = 0;
  let event = 'message';
  let id: string | undefined;
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.search(/\r\n|\n|\r/);
    while (newline !== -1) {
      const line = buffered.slice(0, newline);
      const width = buffered.startsWith('\r\n', newline) ? 2 : 1;
      buffered = buffered.slice(newline + width);
      if (line === '') {
        if (data.length > 0) yield { id, event, data: data.join('\n') };
        data = [];
        size = 0;
        event = 'message';
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') {
          size += Buffer.byteLength(value);
          if (size > maxEventBytes) throw new SseLimitError(maxEventBytes);
          data.push(value);
        } else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\u0000')) id = value;
      }
      newline = buffered.search(/\r\n|\n|\r/);
    }
    if (Buffer.byteLength(buffered) > maxEventBytes) throw new SseLimitError(maxEventBytes);
  }
}
