import type { FastifyInstance } from 'fastify';
import { toContractIssues } from '../../contract/parse-event';
import { userProfileSchema } from '../../recipients/user-profile';
import { HttpError } from '../http-error';
import type { HttpDeps } from '../server';

/** User ids herald accepts: safe in Redis keys, logs and URLs. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,200}$/;

/** Default and largest page of `GET /api/users/:id/inbox`. */
export const INBOX_LIMIT = { default: 50, max: 200 } as const;

type UserParams = { Params: { id: string } };

/** @throws HttpError 400 when the id would not be a valid user id. */
export function checkUserId(id: string): string {
  if (!USER_ID_PATTERN.test(id)) {
    throw new HttpError(400, 'invalid_user_id', 'user id must be 1 to 200 characters from A-Z a-z 0-9 . _ : @ -; change the id in the URL');
  }
  return id;
}

/** Parses `?limit=`: absent means the default; anything but an integer in range is refused. */
function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return INBOX_LIMIT.default;
  const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= INBOX_LIMIT.max)) {
    throw new HttpError(400, 'invalid_limit', `limit must be an integer from 1 to ${INBOX_LIMIT.max}; omit it for ${INBOX_LIMIT.default}`);
  }
  return limit;
}

/** `PUT/GET /api/users/:id` (the directory) and `GET /api/users/:id/inbox` (in-app items, newest first). */
export function userRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'users' | 'inbox' | 'logger'>): void {
  app.put<UserParams>('/users/:id', async (request) => {
    const id = checkUserId(request.params.id);
    const parsed = userProfileSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_profile', 'the user profile is not valid; fix what issues lists and send again', {
        issues: toContractIssues(parsed.error),
      });
    }
    await deps.users.put(id, parsed.data);
    deps.logger.info('user profile stored', { recipientId: id });
    return { id, profile: parsed.data };
  });

  app.get<UserParams>('/users/:id', async (request) => {
    const id = checkUserId(request.params.id);
    const profile = await deps.users.get(id);
    if (!profile) throw new HttpError(404, 'not_found', `user ${id} is not known; create it with PUT /api/users/${id}`);
    return { id, profile };
  });

  app.get<UserParams & { Querystring: { limit?: string } }>('/users/:id/inbox', async (request) => {
    const id = checkUserId(request.params.id);
    const limit = parseLimit(request.query.limit);
    return { userId: id, items: await deps.inbox(id, limit) };
  });
}
