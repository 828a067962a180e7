/**
 * The `herald` package as backend services import it: the producer, the event contract
 * (types, zod schemas, limits, parsing) and the errors they throw; and, for partners receiving
 * herald's webhooks, `verifyWebhook` (Standard Webhooks signatures). Nothing here starts
 * the service or touches Redis; it needs only kafkajs and zod.
 * @packageDocumentation
 */
export { HeraldProducer, type HeraldProducerOptions, type PublishResult } from './herald-producer';
export { messageKey } from './event-message';
export { PublishError } from './publish-error';
export { completeEvent, type EventInput } from '../contract/complete-event';
export { CHANNELS, EVENT_TYPES, MESSAGE_HEADERS, PRIORITIES, type Channel, type EventType, type Priority } from '../contract/vocabulary';
export { eventV1Schema, type EventV1 } from '../contract/event-v1';
export { eventV2Schema, type EventV2, type NotificationEvent } from '../contract/event-v2';
export { LIMITS } from '../contract/limits';
export { parseEvent, parseEventObject, type ContractIssue, type ParseResult, type RejectCode } from '../contract/parse-event';
export { buildEventJsonSchema } from '../contract/json-schema';
export { HeraldError, PermanentError, RetriableError, ValidationError, isRetriable } from '../shared/errors';
export { verifyWebhook, WebhookVerificationError, type VerifyWebhookOptions, type WebhookVerificationReason } from './verify-webhook';
export { systemClock, type Clock } from '../shared/clock';
