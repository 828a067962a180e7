import { z } from 'zod';
import { eventV1Schema } from './event-v1';
import { eventV2Schema } from './event-v2';
import { LIMITS } from './limits';

/**
 * The published JSON Schema of `notifications.incoming` messages, generated from the zod
 * schemas so it cannot drift (test/unit/contract/json-schema.test.ts compares it with the file).
 */
export function buildEventJsonSchema(): Record<string, unknown> {
  const v2 = z.toJSONSchema(eventV2Schema, { target: 'draft-2020-12', io: 'input' });
  const v1 = z.toJSONSchema(eventV1Schema, { target: 'draft-2020-12', io: 'input' });
  delete v2.$schema;
  delete v1.$schema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://herald.dev/schema/notification-event.schema.json',
    title: 'Herald notification event',
    description:
      `One message on notifications.incoming. Version 2 carries "version": 2; a message without "version" is read as version 1. ` +
      `Limits beyond this schema: the whole message at most ${LIMITS.maxEventBytes} bytes, payload at most ${LIMITS.maxPayloadBytes} bytes as JSON.`,
    oneOf: [
      { title: 'Event version 2', ...v2 },
      { title: 'Event version 1', ...v1, not: { required: ['version'] } },
    ],
    'x-herald-limits': LIMITS,
  };
}
