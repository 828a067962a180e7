import { context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { extractTraceContext } from '../../tracing/kafka-headers';
import { completeEvent } from '../../contract/complete-event';
import { dueAtOf } from '../../contract/event-v2';
import { HttpError } from '../http-error';
import type { HttpDeps } from '../server';

/**
 * `POST /api/notify`: completes the event (id, createdAt, version), validates it and publishes
 * it to `notifications.incoming`. 202 means Kafka has it; delivery happens in the workers.
 */
export function notifyRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'publish' | 'clock' | 'logger' | 'maxHorizonMs'>): void {
  app.post('/notify', async (request, reply) => {
    const event = completeEvent(request.body, deps.clock);
    const ahead = dueAtOf(event) - deps.clock.now();
    if (ahead > deps.maxHorizonMs) {
      // The worker would record every delivery failed (send_at_too_far); the caller can still act on it now.
      const days = Math.round(deps.maxHorizonMs / 86_400_000);
      throw new HttpError(
        400,
        'send_at_too_far',
        `the event is due ${Math.round(ahead / 86_400_000)} days from now, beyond scheduling.maxHorizon (${days} days); send it closer to its time or ` +
          `raise the horizon in the config`,
      );
    }
    try {
      // The caller's trace (a W3C traceparent header) continues into the Kafka message and the worker.
      await context.with(extractTraceContext(request.headers), () => deps.publish(event));
    } catch (error) {
      throw new HttpError(
        503,
        'publish_failed',
        'herald could not hand the event to Kafka, so it was not accepted; retry the request shortly ' +
          '(set id or deduplicationKey so a retry cannot notify twice)',
        { retryable: true, cause: error },
      );
    }
    deps.logger.info('event accepted', { eventId: event.id, type: event.type, priority: event.priority, recipients: event.recipients.length });
    return reply.code(202).send({ id: event.id });
  });
}
