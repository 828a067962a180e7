import type { FastifyInstance } from 'fastify';
import { describeError } from '../../shared/errors';
import type { HttpDeps } from '../server';

/**
 * Unauthenticated endpoints for the platform: `GET /healthz` (the process answers),
 * `GET /readyz` (dependencies reachable; 503 with each check otherwise) and `GET /metrics`.
 */
export function probeRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'readiness' | 'metrics'>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let result: Awaited<ReturnType<HttpDeps['readiness']>>;
    try {
      result = await deps.readiness();
    } catch (error) {
      // A readiness check that throws is itself a reason not to take traffic, not a server error.
      result = { ready: false, checks: { readiness: { ok: false, detail: describeError(error) } } };
    }
    return reply.code(result.ready ? 200 : 503).send(result);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
