import type { DeliveryRecord } from '../../src/delivery-state/types';
import type { Api } from './api';
import { DemoError } from './failure';
import type { Published } from './scenario';

/** Statuses after which herald does nothing more with a delivery (`batched` becomes `sent` at the digest flush). */
const FINAL = new Set(['sent', 'delivered', 'bounced', 'skipped', 'failed', 'dead-lettered']);

/** Deliveries of each published event; null when herald has no record of it (a dropped duplicate). */
export type Outcomes = Map<Published, DeliveryRecord[] | null>;

async function deliveriesOf(api: Api, id: string): Promise<DeliveryRecord[] | null> {
  const response = await api<{ deliveries: DeliveryRecord[]; message?: string }>('GET', `/api/notifications/${encodeURIComponent(id)}`);
  if (response.status === 404) return null;
  if (response.status !== 200) throw new Error(`GET /api/notifications/${id} answered ${response.status}: ${response.body?.message}`);
  return response.body.deliveries;
}

function isSettled(p: Published, found: DeliveryRecord[] | null | undefined): boolean {
  return !!found && found.length >= p.expected && found.every((d) => FINAL.has(d.status));
}

function describePending(pending: Published[], outcomes: Outcomes): string {
  return pending
    .map((p) => {
      const found = outcomes.get(p);
      const states = found?.length ? found.map((d) => `${d.recipientId} ${d.channel} ${d.status}`).join(', ') : 'not recorded yet';
      return `  ${p.label} (${p.id}): ${states}`;
    })
    .join('\n');
}

/**
 * Polls `GET /api/notifications/:id` until every event's deliveries are final, or the deadline.
 * Duplicates are looked at once at the end: they never get a record, and the scenario publishes
 * a later event on their partition, so by then the worker has handled them.
 * @throws DemoError listing what is still pending when the deadline passes.
 */
export async function waitUntilSettled(api: Api, published: Published[], timeoutMs: number): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  const tracked = published.filter((p) => p.id && !p.duplicateOf);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = tracked.filter((p) => !isSettled(p, outcomes.get(p)));
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      throw new DemoError(
        `Deliveries did not settle within ${timeoutMs / 1000}s:\n${describePending(pending, outcomes)}\n` +
          'Run LOG_LEVEL=info npm run demo to see what the service decided for each event.',
      );
    }
    await Promise.all(pending.map(async (p) => outcomes.set(p, await deliveriesOf(api, p.id as string))));
    if (tracked.some((p) => !isSettled(p, outcomes.get(p)))) await new Promise((r) => setTimeout(r, 250));
  }
  for (const p of published.filter((d) => d.duplicateOf)) outcomes.set(p, await deliveriesOf(api, p.id as string));
  return outcomes;
}
