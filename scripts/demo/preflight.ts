import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { Redis } from 'ioredis';
import { DemoError } from './failure';

/**
 * Checks that Redis answers at `url`, then deletes every key under `prefix:` so the run starts
 * from nothing: no users, dedup keys, delivery records or digests left by an earlier run.
 * @returns how many keys were deleted.
 * @throws DemoError telling the user to start Redis when it does not answer.
 */
export async function resetRedisPrefix(url: string, prefix: string): Promise<number> {
  // No retries and no offline queue: a Redis that is down should fail in two seconds, not hang.
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause: Error | undefined;
  // ioredis reports why (ECONNREFUSED…) here; connect() itself only says the connection closed.
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new DemoError(
      `Redis is not answering at ${url} (${(cause ?? (error as Error)).message}).\n` +
        'Start it (redis-server, or sudo systemctl start redis-server; macOS: brew services start redis), ' +
        'or set REDIS_URL to your Redis, then run the demo again.',
    );
  }
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  return deleted;
}

/** Empties the outbox, so the files listed at the end are exactly this run's. */
export async function clearOutbox(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** `preferred` when nothing listens on it (on every interface, as herald binds), else 0: any free port. */
export function portOrAny(preferred: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen({ port: preferred, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(preferred)));
  });
}

/**
 * Checks that `java` runs and is version 17 or later before the local Kafka is started, so a
 * missing or old JVM is a one-line message instead of a broker that never answers.
 * @throws DemoError naming what to install.
 */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const install =
    'Install Java 17+ (Debian/Ubuntu: sudo apt install openjdk-17-jdk-headless; macOS: brew install openjdk@17) and Maven, or run your own Kafka and ' +
    'set KAFKA_BROKERS=host:port.';
  if (result.error) throw new DemoError(`Java is needed to run the local Kafka, but \`java\` could not be started (${result.error.message}). ${install}`);
  // `java -version` writes e.g. `openjdk version "17.0.15"` (or "1.8.0_402" for Java 8) to stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (major < 17) throw new DemoError(`Kafka needs Java 17 or later; \`java\` on PATH is version ${major}. ${install}`);
}

/** True when something accepts TCP connections at `host:port` within a second (a broker that is still booting, say). */
export function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}
