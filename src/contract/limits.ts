/**
 * Hard limits of the event contract. They keep one producer's mistake from exhausting a worker,
 * and they are published with the JSON Schema so producers can check before sending.
 */
export const LIMITS = {
  /** Largest Kafka message value accepted on `notifications.incoming`, in bytes. */
  maxEventBytes: 512 * 1024,
  /** Largest `payload`, measured as UTF-8 JSON, in bytes. */
  maxPayloadBytes: 256 * 1024,
  /** Most recipients in one event; larger audiences are split by the producer. */
  maxRecipients: 1000,
  /** Longest `id` and `deduplicationKey`. */
  maxIdLength: 200,
  /** Longest recipient string (`user id` or `email:…`/`phone:…`/`push:…`). */
  maxRecipientLength: 4096,
  /**
   * Deepest nesting of objects and arrays in an event, the event object itself being level 1.
   * Deeper JSON is refused before validation: walking it (to measure or copy the payload) would exhaust the stack.
   */
  maxJsonDepth: 64,
  /** Longest template name, category and locale tag. */
  maxNameLength: 100,
} as const;
