import type { DeliveryRecord } from '../delivery-state/types';
import { redactText } from '../shared/logger';

/**
 * An event as herald stores it: the notification meta hash (the summary fields, and `event`, the
 * whole event with its payload and addresses, kept for the sweep and DLQ replay) and the delivery
 * records. `schedule` is where a scheduled event stands.
 */
export interface StoredNotification {
  id: string;
  meta: Record<string, string> | null;
  deliveries: DeliveryRecord[];
  schedule?: { state: string; sendAt?: string };
}

/**
 * The summary fields `GET /api/notifications/:id` shows, as intake recorded them (strings):
 * `recipients` is a count, `channels` a comma-separated list, `sendAt` only for a scheduled event.
 * An allow-list: a field intake adds later stays out of the answer until it is listed here.
 */
const SUMMARY_FIELDS = ['type', 'priority', 'channels', 'recipients', 'createdAt', 'receivedAt', 'sendAt'] as const;

/** The delivery fields shown; the lease (`leaseUntil`, `owner`) and anything added later are not. */
const DELIVERY_FIELDS = [
  'recipientId',
  'channel',
  'status',
  'reason',
  'detail',
  'provider',
  'providerMessageId',
  'digestId',
  'replays',
  'attempts',
  'nextAttemptAt',
  'rejectedRecipients',
  'sentAt',
  'updatedAt',
] as const satisfies readonly (keyof DeliveryRecord)[];

/** The event's summary as shown. */
export type NotificationSummary = Partial<Record<(typeof SUMMARY_FIELDS)[number], string>>;

/** One delivery as shown. */
export type DeliveryView = Pick<DeliveryRecord, (typeof DELIVERY_FIELDS)[number]>;

/** The body of `GET /api/notifications/:id` (docs/http-api.md). */
export interface NotificationView {
  id: string;
  meta: NotificationSummary | null;
  deliveries: DeliveryView[];
  schedule?: { state: string; sendAt?: string };
}

/** The listed fields of `source` that are set, in the list's order. */
function pick<T extends object, K extends keyof T>(source: T, fields: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of fields) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/**
 * What `GET /api/notifications/:id` answers for a stored event: where it stands, never what it
 * carried. The payload (a reset link, a one-time code) and the recipients' addresses stay in Redis;
 * direct recipients show as `direct:<hash>`. Error details come from providers that already strip
 * addresses; they are redacted once more here, as log lines are, because any API key reads this.
 */
export function notificationView(stored: StoredNotification): NotificationView {
  const deliveries = stored.deliveries.map((record) => {
    const view: DeliveryView = pick(record, DELIVERY_FIELDS);
    if (view.detail !== undefined) view.detail = redactText(view.detail);
    return view;
  });
  const view: NotificationView = { id: stored.id, meta: stored.meta ? pick(stored.meta as NotificationSummary, SUMMARY_FIELDS) : null, deliveries };
  if (stored.schedule) view.schedule = pick(stored.schedule, ['state', 'sendAt']);
  return view;
}
