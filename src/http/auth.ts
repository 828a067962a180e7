import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error';

/** Hashing first gives equal-length buffers, so the comparison's time says nothing about the key. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Extracts the token from `Authorization: Bearer <token>`, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Builds an `onRequest` hook that admits a request only with `Authorization: Bearer <key>`
 * for one of `apiKeys`. Every key is compared, in constant time, so neither timing nor
 * position reveals a key. With no keys configured every request is refused.
 */
export function createBearerAuth(apiKeys: readonly string[]) {
  const digests = apiKeys.map(digest);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (digests.length === 0) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(
        401,
        'unauthorized',
        'no API keys are configured, so every /api call is refused; set HERALD_API_KEYS (comma-separated keys) and restart herald',
      );
    }
    const token = bearerToken(request.headers.authorization);
    const presented = digest(token ?? '');
    let matched = false;
    for (const key of digests) matched = timingSafeEqual(key, presented) || matched;
    if (token === undefined || !matched) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(
        401,
        'unauthorized',
        token === undefined
          ? 'missing API key; send Authorization: Bearer <key> with a key listed in HERALD_API_KEYS'
          : 'the API key is not accepted; use a key listed in HERALD_API_KEYS',
      );
    }
  };
}
