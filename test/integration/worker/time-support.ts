import type { Clock } from '../../../src/shared/clock';
import type { HeraldConfig, HeraldConfigInput } from '../../../src/config/schema';
import type { DeliveryRecord } from '../../../src/delivery-state/types';
import type { RunningService } from '../../../src/service/start-service';
import { eventually, uniqueName } from '../../support/infra';
import { api, isolatedConfig } from '../../support/service-harness';

/**
 * Shared by the time-dependent end-to-end suites (scheduled sends, cancellation, stale drops, quiet
 * hours, frequency caps): every test runs the real service on real Kafka and Redis, and these helpers
 * read back what it decided through its own HTTP API.
 */

/**
 * A config with every topic of its own, the bulk lane included: `isolatedConfig` names incoming, DLQ
 * and status per test but leaves `topics.bulk` at its default, which every test service would share
 * (each consuming the others' normal and low priority events under its own Redis prefix).
 */
export function isolatedLanes(overrides: HeraldConfigInput = {}): HeraldConfig {
  const name = uniqueName('lane');
  return isolatedConfig({ ...overrides, kafka: { ...overrides.kafka, topics: { bulk: `${name}.bulk`, ...overrides.kafka?.topics } } });
}

/** What `GET /api/notifications/:id` returns for a known event. */
export interface NotificationView {
  id: string;
  meta: Record<string, string> | null;
  deliveries: DeliveryRecord[];
  /** Present for an event that went through the schedule store. */
  schedule?: { state: string; sendAt?: string };
}

/** The event as the service reports it, or null while it is unknown (404). */
export async function notificationOf(service: RunningService, id: string): Promise<NotificationView | null> {
  const { status, body } = await api(service, 'GET', `/api/notifications/${id}`);
  if (status === 404) return null;
  if (status !== 200) throw new Error(`GET /api/notifications/${id} answered ${status}: ${JSON.stringify(body)}`);
  return body as NotificationView;
}

/** Statuses a delivery may still leave on its own (everything else is where the test can judge it). */
const MOVING = new Set(['pending', 'sending']);

/**
 * Waits until the event has `count` delivery records, none of them still pending or sending, and
 * every one satisfying `done` (by default: any settled status); returns them sorted by recipient and channel.
 */
export async function settledDeliveries(
  service: RunningService,
  id: string,
  count: number,
  done: (d: DeliveryRecord) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<DeliveryRecord[]> {
  return eventually(
    async () => {
      const found = await notificationOf(service, id);
      const records = found?.deliveries ?? [];
      if (records.length !== count || records.some((r) => MOVING.has(r.status) || !done(r))) return undefined;
      return [...records].sort((a, b) => `${a.recipientId}|${a.channel}`.localeCompare(`${b.recipientId}|${b.channel}`));
    },
    `${count} settled deliveries of event ${id}`,
    timeoutMs,
  );
}

/** Waits until the event's schedule state is `state` (it must first be consumed). */
export async function scheduleState(service: RunningService, id: string, state: string, timeoutMs = 15_000): Promise<NotificationView> {
  return eventually(
    async () => {
      const found = await notificationOf(service, id);
      return found?.schedule?.state === state ? found : undefined;
    },
    `event ${id} to be ${state} in the schedule store`,
    timeoutMs,
  );
}

/** `recipientId|channel` → `status:reason`, a compact form to compare a whole event's outcome at once. */
export function outcomes(records: DeliveryRecord[]): Record<string, string> {
  return Object.fromEntries(records.map((r) => [`${r.recipientId}|${r.channel}`, `${r.status}:${r.reason ?? ''}`]));
}

/** The user's in-app inbox entries (event ids, newest first). */
export async function inboxEventIds(service: RunningService, userId: string): Promise<string[]> {
  const { status, body } = await api(service, 'GET', `/api/users/${userId}/inbox?limit=200`);
  if (status !== 200) throw new Error(`GET inbox of ${userId} answered ${status}: ${JSON.stringify(body)}`);
  return (body.items as { eventId: string }[]).map((i) => i.eventId);
}

/** Stores a user profile through the API, failing the test when the service refuses it. */
export async function putUser(service: RunningService, id: string, profile: Record<string, unknown>): Promise<void> {
  const { status, body } = await api(service, 'PUT', `/api/users/${id}`, profile);
  if (status !== 200) throw new Error(`PUT /api/users/${id} answered ${status}: ${JSON.stringify(body)}`);
}

/**
 * Checks `check` every 100 ms until `untilMs` (epoch ms), failing at the first time it returns false:
 * how a test shows that something did *not* happen during a whole interval, not just at its end.
 */
export async function holdsUntil(untilMs: number, check: () => Promise<boolean>, what: string): Promise<void> {
  while (Date.now() < untilMs) {
    if (!(await check())) throw new Error(`${what} stopped holding ${untilMs - Date.now()} ms before ${new Date(untilMs).toISOString()}`);
    await sleep(100);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * A real, ticking clock shifted by `offsetMs`: the service sees every instant that much later. Used
 * where a test needs "now" at a chosen point of the wall clock (seconds before a quiet window's end)
 * without waiting for it.
 */
export function shiftedClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}

/** The wall time `HH:MM` of instant `ms` in an IANA zone. */
export function wallTimeIn(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('hour')}:${part('minute')}`;
}

/** `HH:MM` moved by `minutes` around the 24-hour dial. */
export function addMinutes(hhmm: string, minutes: number): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const total = (((h * 60 + m + minutes) % 1440) + 1440) % 1440;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
