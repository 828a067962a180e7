import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../contract/limits';
import { HttpError } from '../http-error';
import type { HttpDeps } from '../server';

/** `GET /api/notifications/:id`: the event's summary and where each recipient × channel delivery stands. */
export function notificationRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'notification'>): void {
  app.get<{ Params: { id: string } }>('/notifications/:id', async (request) => {
    const { id } = request.params;
    if (id.trim().length === 0 || id.length > LIMITS.maxIdLength) {
      throw new HttpError(400, 'invalid_id', `notification id must be 1 to ${LIMITS.maxIdLength} characters; use the id POST /api/notify returned`);
    }
    const found = await deps.notification(id);
    if (!found) {
      throw new HttpError(
        404,
        'not_found',
        `notification ${id} is not known: the id may be wrong, the event not consumed yet (retry shortly), dropped as a duplicate of an earlier event with the same deduplicationKey, or past its retention`,
      );
    }
    return found;
  });
}
