import type { RunningService } from '../../../src/service/start-service';
import { eventually } from '../../support/infra';
import { readWholeTopic, type ReadMessage } from '../../support/read-topic';
import { api } from '../../support/service-harness';

/** One delivery record as `GET /api/notifications/:id` shows it. */
export interface Delivery {
  recipientId: string;
  channel: string;
  status: string;
  reason?: string;
  detail?: string;
  provider?: string;
  /** The provider's id for the accepted message (Twilio SID…). */
  providerMessageId?: string;
  attempts: number;
  /** ISO instant of the next try, while `deferred`. */
  nextAttemptAt?: string;
}

/** Waits until the event's delivery on `channel` reaches `status`, and returns its record. */
export function deliveryReaching(service: RunningService, eventId: string, channel: string, status: string): Promise<Delivery> {
  return eventually(
    async () => {
      const body = (await api(service, 'GET', `/api/notifications/${eventId}`)).body as { deliveries?: Delivery[] } | null;
      const record = body?.deliveries?.find((d) => d.channel === channel);
      return record?.status === status ? record : undefined;
    },
    `${eventId} ${channel} to be ${status}`,
    30_000,
  );
}

/** The DLQ records keyed by `eventId` (the dispatcher keys delivery dead letters by event id). */
export async function deadLettersOf(dlqTopic: string, eventId: string): Promise<ReadMessage[]> {
  return (await readWholeTopic(dlqTopic)).filter((m) => m.key === eventId);
}
