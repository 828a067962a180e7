import type { IHeaders } from 'kafkajs';
import { z } from 'zod';
import { CHANNELS } from '../contract/event-v1';

/**
 * Header of a message on `notifications.incoming` that replays one dead-lettered delivery
 * (written by `herald dlq replay`; producers never set it). The value is the event JSON as usual;
 * the header names which delivery of it gets another try.
 */
export const REPLAY_HEADER = 'herald-replay';

/** The `herald-replay` header's JSON. */
export const replayTargetSchema = z.object({
  recipientId: z.string().min(1),
  channel: z.enum(CHANNELS),
  /** The dead letter replayed, `<partition>:<offset>` on the DLQ topic (for logs and status). */
  letter: z.string().min(1),
  /** Provider calls the dead letter reported, to seed a delivery record that expired meanwhile. */
  attempts: z.number().int().min(0),
});

/** Which delivery a replay message is for. */
export type ReplayTarget = z.infer<typeof replayTargetSchema>;

/** The header's value as a string (kafkajs hands headers over as Buffer, string or arrays of them). */
function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * Reads the replay target of a message: `null` for an ordinary event, the target, or an error
 * message when the header is there but unreadable (the message is then dead-lettered as invalid).
 */
export function readReplayTarget(headers: IHeaders | undefined): ReplayTarget | null | { error: string } {
  const text = headerText(headers, REPLAY_HEADER);
  if (text === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: `the ${REPLAY_HEADER} header is not JSON; only herald dlq replay writes it` };
  }
  const parsed = replayTargetSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  return { error: `the ${REPLAY_HEADER} header is not a replay target (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}); only herald dlq replay writes it` };
}
