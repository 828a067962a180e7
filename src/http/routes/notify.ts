import { context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { extractTraceContext } from '../../tracing/kafka-headers';
import { completeEvent } from '../../contract/complete-event';
import { HttpError } from '../http-error';
import type { HttpDeps } from '../server';

/**
 * `POST /api/notify`: completes the event (id, createdAt, version), validates it and publishes
 * it to `notifications.incoming`. 202 means Kafka has it; delivery happens in the workers.
 */
export function notifyRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'publish' | 'clock' | 'logger'>): void {
  app.post('/notify', async (request, reply) => {
    const event = completeEvent(request.body, deps.clock);
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
