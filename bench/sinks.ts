import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import type { RedisKeys } from '../src/redis/keys';

/** The bench's email receiver: counts what it accepted, keeps nothing else. */
export interface CountingSmtpSink {
  /** SMTP_URL for the worker. */
  url: string;
  /** Messages accepted so far (the client was told 250 OK). */
  count(): number;
  /** Epoch ms of the last accepted message, 0 before the first. */
  lastAcceptedAt(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a random local port, like test/support/smtp-sink.ts but counting: message
 * bodies are read and dropped, so a bench of a million emails does not hold them in memory.
 */
export async function startCountingSmtpSink(): Promise<CountingSmtpSink> {
  let accepted = 0;
  let lastAt = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        accepted++;
        lastAt = Date.now();
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => accepted,
    lastAcceptedAt: () => lastAt,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Reads the in-app provider's per-user delivered-id sorted sets (keys.inboxDelivered: delivery id →
 * push time in ms, written by src/redis/scripts/inbox-push.lua), pipelined over the bench users.
 */
export function createInboxReader(redis: Redis, keys: RedisKeys, userIds: readonly string[]) {
  return {
    /** In-app deliveries pushed so far to the users: ZCARD summed. */
    async count(): Promise<number> {
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.zcard(keys.inboxDelivered(id));
      const results = (await pipeline.exec()) ?? [];
      return results.reduce((sum, [error, n]) => {
        if (error) throw error;
        return sum + Number(n);
      }, 0);
    },
    /** Epoch ms of the newest push to any of the users, 0 when none. */
    async lastPushAt(): Promise<number> {
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.zrevrange(keys.inboxDelivered(id), 0, 0, 'WITHSCORES');
      const results = (await pipeline.exec()) ?? [];
      return results.reduce((latest, [error, reply]) => {
        if (error) throw error;
        const score = Number((reply as string[])[1] ?? 0);
        return Math.max(latest, score);
      }, 0);
    },
    /** Push time (epoch ms) of each delivery, null while not pushed yet. */
    async pushTimes(deliveries: readonly { userId: string; deliveryId: string }[]): Promise<(number | null)[]> {
      const pipeline = redis.pipeline();
      for (const d of deliveries) pipeline.zscore(keys.inboxDelivered(d.userId), d.deliveryId);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, score]) => {
        if (error) throw error;
        return score === null ? null : Number(score);
      });
    },
  };
}

/** The inbox reader, as returned by {@link createInboxReader}. */
export type InboxReader = ReturnType<typeof createInboxReader>;
