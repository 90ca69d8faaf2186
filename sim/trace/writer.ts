/**
 * Trace sinks. The file sink appends one complete JSON line per record with a single write
 * call, so a crash or Ctrl-C leaves a prefix that replays; the memory sink keeps records for
 * shrinking and tests.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { TraceRecord } from './format.ts';

export interface TraceSink {
  write(record: TraceRecord): void;
  close(): void;
}

export class MemorySink implements TraceSink {
  readonly records: TraceRecord[] = [];
  write(record: TraceRecord): void {
    this.records.push(record);
  }
  close(): void {}
}

export class FileSink implements TraceSink {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o644);
  }

  write(record: TraceRecord): void {
    if (this.fd === null) throw new Error(`trace ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Writes to several sinks at once (a file and memory, say). */
export class TeeSink implements TraceSink {
  constructor(private readonly sinks: readonly TraceSink[]) {}
  write(record: TraceRecord): void {
    for (const sink of this.sinks) sink.write(record);
  }
  close(): void {
    for (const sink of this.sinks) sink.close();
  }
}
