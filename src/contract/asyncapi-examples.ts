import { letterEventOf, type DeadLetter } from './dead-letter';
import type { EventV2 } from './event-v2';
import type { StatusChange } from './status-message';

const event: EventV2 = {
  version: 2,
  id: 'evt-7f3c',
  type: 'transactional',
  priority: 'high',
  template: 'password-reset',
  recipients: ['user_42'],
  channels: ['email'],
  payload: { name: 'Ada', url: 'https://example.com/reset/abc' },
  createdAt: '2026-01-31T09:00:00.000Z',
  deduplicationKey: 'password-reset:user_42:abc',
};

const status: StatusChange = {
  eventId: 'evt-7f3c',
  recipientId: 'user_42',
  channel: 'email',
  status: 'sent',
  attempts: 1,
  provider: 'smtp',
  providerMessageId: '<evt-7f3c.user_42.email@herald>',
  at: '2026-01-31T09:00:01.250Z',
};

const letter: DeadLetter = {
  kind: 'delivery_failed',
  reason: 'smtp_rejected',
  message: 'SMTP server rejected the message (550 5.1.1 mailbox unknown); retrying will not help, check the address and content',
  failedAt: '2026-01-31T09:00:01.300Z',
  event: letterEventOf(event),
  delivery: { recipientId: 'user_42', channel: 'email', provider: 'smtp', attempts: 1, retriable: false },
};

/** An AsyncAPI Message Example Object; `headers` are Kafka headers, all strings. */
export interface MessageExample<T> {
  name: string;
  summary: string;
  headers: Record<string, string>;
  payload: T;
}

/**
 * One worked example per public message, shown in schema/asyncapi.json. Typed by the contract, and
 * test/unit/contract/asyncapi.test.ts checks each against the zod schemas and the generated JSON Schema.
 */
export const ASYNCAPI_EXAMPLES = {
  notificationEvent: {
    name: 'password-reset',
    summary: 'A single-recipient version 2 event as HeraldProducer sends it (key: user_42)',
    headers: { 'herald-schema-version': '2', 'content-type': 'application/json' },
    payload: event,
  },
  statusChange: {
    name: 'sent',
    summary: 'The email of evt-7f3c was accepted by the SMTP server (key: evt-7f3c)',
    headers: { 'herald-status': 'sent', 'herald-channel': 'email' },
    payload: status,
  },
  deadLetter: {
    name: 'delivery-failed',
    summary: 'The SMTP server refused the address for good (key: evt-7f3c)',
    headers: { 'herald-dlq-kind': 'delivery_failed', 'herald-dlq-reason': 'smtp_rejected' },
    payload: letter,
  },
} satisfies Record<string, MessageExample<unknown>>;
