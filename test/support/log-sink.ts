import { Writable } from 'node:stream';

/** A pino destination that keeps every line, parsed, so tests can read what was logged. */
export interface MemorySink extends Writable {
  lines(): Record<string, unknown>[];
  text(): string;
}

export function memorySink(): MemorySink {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as MemorySink;
  stream.text = () => chunks.join('');
  stream.lines = () =>
    stream
      .text()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return stream;
}
