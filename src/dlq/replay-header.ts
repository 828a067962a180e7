import type { IHeaders } from 'kafkajs';

/**
 * A header herald once read on `notifications.incoming` to replay a dead-lettered delivery. Any
 * producer could set it and skip dedup, opt-outs, quiet hours, caps and schedules, so intake now
 * dead-letters a message that carries it (`replay_refused`), and `herald dlq replay` writes its
 * replays to herald's own retry store instead of the intake topic (src/dlq/replay-delivery.ts).
 */
export const REPLAY_HEADER = 'herald-replay';

/** Whether a message carries header `name` at all (kafkajs hands headers over as Buffer, string or arrays of them). */
export function hasHeader(headers: IHeaders | undefined, name: string): boolean {
  return headers !== undefined && Object.hasOwn(headers, name) && headers[name] !== undefined;
}
