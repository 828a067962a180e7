/**
 * The words every stage shares: the kinds of event, priorities, channels, delivery statuses and the
 * headers herald reads or writes. Each stage imports them from here rather than from the event
 * schema of one version (v1 had no `webhook` channel) or from the stage that happens to use them.
 */

/** Kinds of notification; `marketing` respects every opt-out. */
export const EVENT_TYPES = ['transactional', 'marketing', 'alert'] as const;
/** `critical` and `high` are dispatched at once; `normal` and `low` may be batched into digests. */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
/**
 * The priorities handled straight from `notifications.incoming` unless `kafka.fastLane` says
 * otherwise; events of the others are handled from the bulk lane, `notifications.incoming.bulk` (src/intake/triage.ts).
 */
export const DEFAULT_FAST_LANE: readonly Priority[] = ['critical', 'high'];
/** Channels a version 1 event may ask for. */
export const CHANNELS_V1 = ['email', 'sms', 'push', 'in_app'] as const;
/** Every channel herald delivers on (version 2 events added `webhook`). */
export const CHANNELS = [...CHANNELS_V1, 'webhook'] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type Channel = (typeof CHANNELS)[number];

/**
 * Where one delivery (event × recipient × channel) stands. The main path is
 * `pending → sent → delivered | failed | bounced`:
 * - `pending`: planned for immediate dispatch; `sending`: a worker holds the send lease (internal, not published);
 * - `deferred`: a retriable failure (or every provider paused or broken): it waits in the retry store until `nextAttemptAt`;
 * - `sent`: the provider accepted it (final for the send-once ledger: it is never sent again);
 * - `delivered`: the receiver confirmed it (Twilio callback, in-app inbox, webhook 2xx);
 * - `failed`: it will never arrive (unknown user, no address, or a provider reporting non-delivery after `sent`);
 * - `bounced`: the provider refused the recipient's address itself (unknown mailbox, unregistered push token);
 * - `dead-lettered`: it failed for good and is on the DLQ topic for on-call;
 * - `batched`: waits for a digest; `skipped`: not sent on purpose (opt-out, disabled channel).
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'deferred', 'sent', 'delivered', 'failed', 'bounced', 'dead-lettered', 'batched', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Headers on every event message herald's client (and the HTTP API) sends; the worker reads the version from the body, these are for people and tools. */
export const MESSAGE_HEADERS = {
  'herald-schema-version': '2',
  'content-type': 'application/json',
} as const;

/**
 * A header herald once read on `notifications.incoming` to replay a dead-lettered delivery. Any
 * producer could set it and skip dedup, opt-outs, quiet hours, caps and schedules, so intake now
 * dead-letters a message that carries it (`replay_refused`), and `herald dlq replay` writes its
 * replays to herald's own retry store instead of the intake topic (src/dlq/replay-delivery.ts).
 */
export const REPLAY_HEADER = 'herald-replay';

/**
 * The event's priority, set by HeraldProducer and herald's own publishers beside the value: a routing
 * hint for intake's triage (src/intake/triage.ts), which forwards a message hinted to a bulk-lane
 * priority without parsing it (the bulk lane parses and validates it, once). The value stays the
 * truth: a message hinted `normal` that carries a critical event is handled, as critical, in the bulk
 * lane; one hinted to a fast-lane priority, or with no hint, is parsed at intake as before.
 */
export const PRIORITY_HEADER = 'herald-priority';

/** Header added to a message intake forwards to the bulk lane: `topic/partition/offset` it had on the incoming topic. */
export const ORIGIN_HEADER = 'herald-origin';
