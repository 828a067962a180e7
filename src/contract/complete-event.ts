import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import type { EventV2 } from './event-v2';
import { parseEventObject } from './parse-event';

/** What a producer may send: an event with `id`, `createdAt` and `version` optional. */
export type EventInput = Omit<EventV2, 'id' | 'createdAt' | 'version'> & { id?: string; createdAt?: string; version?: 2 };

/**
 * Fills `id` (random UUID), `createdAt` (now, UTC) and `version`, then validates.
 * Accepts the short form `{ type, priority, recipients, channels, payload }` of the HTTP API.
 * @throws ValidationError listing every problem with its path.
 */
export function completeEvent(input: unknown, clock: Clock): EventV2 {
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  // `{ id: undefined }` means "not given" (EventInput allows it), so it must not erase the default.
  const given = isObject ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) : undefined;
  const filled = given ? { version: 2, id: randomUUID(), createdAt: new Date(clock.now()).toISOString(), ...given } : input;
  const result = parseEventObject(filled);
  if (!result.ok) throw new ValidationError(result.message, result.issues, result.code);
  return result.event;
}
