import { z } from 'zod';

const ms = (max: number) => z.number().int().min(100).max(max);

/**
 * The `http` block: how long the API waits for a client, and how many it holds at once. Without
 * these, a client dripping its body a byte a second, or one that connects and sends nothing, keeps
 * a connection (and its memory) for ever; a few thousand of them stall the API and its probes.
 */
export const httpSchema = z
  .object({
    requestTimeoutMs: ms(600_000)
      .default(30_000)
      .describe('Longest a client may take to send one whole request, headers and body, in ms. Past it herald answers 408 and closes the connection.'),
    headersTimeoutMs: ms(600_000).default(10_000).describe("Longest a client may take to send a request's headers, in ms; at most `requestTimeoutMs`."),
    idleTimeoutMs: ms(600_000)
      .default(30_000)
      .describe(
        'A connection with no traffic either way for this long is closed, in ms: a client that connects and sends nothing, or stops reading its answer. ' +
          'Keep it above the slowest answer (POST /api/notify waits up to 10 s for Kafka). Idle keep-alive connections use `keepAliveTimeoutMs` instead.',
      ),
    keepAliveTimeoutMs: ms(600_000)
      .default(72_000)
      .describe(
        'How long an idle keep-alive connection stays open between requests, in ms. Keep it above the idle timeout of a load balancer in front ' +
          '(60 s on AWS ALB), so the balancer never reuses a connection herald is closing.',
      ),
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1024)
      .describe('Most connections one herald process holds at once; one more is closed as soon as it is accepted, unread.'),
  })
  .strict()
  .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, {
    path: ['headersTimeoutMs'],
    message: 'headersTimeoutMs must not exceed requestTimeoutMs (the headers are part of the request); lower it or raise requestTimeoutMs',
  })
  .prefault({})
  .describe('Timeouts and the connection cap of the HTTP API, so slow or idle clients cannot hold connections for ever.');

/** The `http` block as validated, defaults filled. */
export type HttpLimits = z.infer<typeof httpSchema>;
