import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../contract/limits';
import { HttpError } from '../http-error';
import { notificationView } from '../notification-view';
import type { HttpDeps } from '../server';

function checkId(id: string): void {
  if (id.trim().length === 0 || id.length > LIMITS.maxIdLength) {
    throw new HttpError(400, 'invalid_id', `notification id must be 1 to ${LIMITS.maxIdLength} characters; use the id POST /api/notify returned`);
  }
}

/**
 * `GET /api/notifications/:id`: the event's summary and where each recipient × channel delivery stands
 * (the allow-listed fields of {@link notificationView}: no payload, no address).
 * `DELETE /api/notifications/:id`: cancels a scheduled notification before it fires.
 */
export function notificationRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'notification' | 'cancel' | 'logger'>): void {
  app.delete<{ Params: { id: string } }>('/notifications/:id', async (request) => {
    const { id } = request.params;
    checkId(id);
    const outcome = await deps.cancel(id);
    switch (outcome) {
      case 'cancelled':
      case 'already_cancelled':
        deps.logger.info('scheduled notification cancelled', { decision: 'cancelled', eventId: id, repeated: outcome === 'already_cancelled' });
        return { id, status: 'cancelled' };
      case 'firing':
        throw new HttpError(409, 'already_sending', `notification ${id} reached its send time and is being sent; it can no longer be cancelled`);
      case 'fired':
        throw new HttpError(409, 'already_sent', `notification ${id} was already sent at its scheduled time; it can no longer be cancelled`);
      case 'unknown': {
        if (await deps.notification(id)) {
          throw new HttpError(
            409,
            'not_scheduled',
            `notification ${id} was never held for later (no future sendAt or delay when herald got it, or refused: see GET /api/notifications/${id}), ` +
              `so there is nothing to cancel`,
          );
        }
        throw new HttpError(404, 'not_found', `notification ${id} is not known: the id may be wrong, or the event not consumed yet (retry shortly)`);
      }
    }
  });

  app.get<{ Params: { id: string } }>('/notifications/:id', async (request) => {
    const { id } = request.params;
    checkId(id);
    const found = await deps.notification(id);
    if (!found) {
      throw new HttpError(
        404,
        'not_found',
        `notification ${id} is not known: the id may be wrong, the event not consumed yet (retry shortly), dropped as a duplicate of an earlier event with ` +
          `the same deduplicationKey, or past its retention`,
      );
    }
    return notificationView(found);
  });
}
