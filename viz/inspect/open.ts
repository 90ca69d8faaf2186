/** `--inspect TARGET`: a `ws://`/`wss://` address streams to a Stately inspector, else a file. */
import { openJsonlInspection } from './jsonl.ts';
import type { InspectionSink } from './sink.ts';
import { openWebSocketInspection } from './websocket.ts';

/** Whether an `--inspect` target names a WebSocket rather than a file. */
export function isWebSocketTarget(target: string): boolean {
  return /^wss?:\/\//i.test(target);
}

/** Opens the sink an `--inspect` target names. Rejects when it cannot be opened. */
export async function openInspection(target: string): Promise<InspectionSink> {
  return isWebSocketTarget(target) ? openWebSocketInspection(target) : openJsonlInspection(target);
}
