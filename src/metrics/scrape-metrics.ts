import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../shared/clock';
import type { LagRow } from '../kafka/consumer-lag';
import type { Logger } from '../shared/logger';
import { createScrapeReading } from './scrape-reading';

/** Windows in the digest index, as the batch store's `backlog(now)` reads them. */
export interface DigestBacklog {
  due: number;
  waiting: number;
  /** Due time (epoch ms) of the earliest due window, or null when none is due. */
  oldestDueAt: number | null;
}

/** Where the scrape-time gauges read from; the service passes its Kafka admin and Redis stores. */
export interface ScrapeSources {
  /** Lag of the intake and bulk-lane groups (src/kafka/consumer-lag.ts). */
  consumerLag: () => Promise<LagRow[]>;
  /** Deliveries waiting in the retry store, by channel. */
  retryDepth: () => Promise<Record<string, number>>;
  /** Digest windows waiting in the batch store. */
  digestBacklog: () => Promise<DigestBacklog>;
}

/** Options of {@link registerScrapeMetrics}. */
export interface ScrapeMetricsOptions {
  clock: Clock;
  logger: Logger;
  /** How long a consumer lag reading is reused, so many scrapers do not each ask the brokers, in ms. Default 5000. */
  lagCacheMs?: number;
  /** Longest a scrape waits for one source before exposing the last values, in ms. Default 2000. */
  timeoutMs?: number;
}

/**
 * Adds to `registry` the gauges read from Kafka and Redis when Prometheus scrapes (prom-client
 * awaits each gauge's `collect`): consumer lag per group and partition, retry store depth and
 * digest backlog. They are shared state, so every worker reports the same values: aggregate with
 * `max`, not `sum`. A source that fails or is slow never fails the scrape: its gauges keep their
 * last values, the failure is logged once per outage, and lag failures are counted.
 */
export function registerScrapeMetrics(registry: Registry, sources: ScrapeSources, options: ScrapeMetricsOptions) {
  const registers = [registry];
  const common = { clock: options.clock, logger: options.logger, timeoutMs: options.timeoutMs };
  const lagErrors = new Counter({
    name: 'herald_consumer_lag_errors_total',
    help: 'Failed reads of consumer lag from the brokers (herald_consumer_lag_messages keeps its last values meanwhile).',
    registers,
  });
  const lag = createScrapeReading({
    ...common,
    what: 'consumer lag',
    read: sources.consumerLag,
    ttlMs: options.lagCacheMs ?? 5_000,
    onError: () => lagErrors.inc(),
  });
  const retryDepth = createScrapeReading({ ...common, what: 'retry store depth', read: sources.retryDepth });
  const backlog = createScrapeReading({ ...common, what: 'digest backlog', read: sources.digestBacklog });

  return {
    /** Failed consumer lag reads. */
    consumerLagErrors: lagErrors,
    /** Messages each group has still to read, per partition of its topic. */
    consumerLag: new Gauge<'group' | 'topic' | 'partition'>({
      name: 'herald_consumer_lag_messages',
      help: 'Messages a consumer group has still to read on a partition (high watermark minus committed offset), read from the brokers at scrape time.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        const rows = await lag();
        if (!rows) return;
        // Reset first: a partition no longer reported (topic recreated) must not linger.
        this.reset();
        for (const r of rows) this.set({ group: r.groupId, topic: r.topic, partition: String(r.partition) }, r.lag);
      },
    }),
    /** Deliveries waiting in the retry store, by channel. */
    retryStoreDepth: new Gauge<'channel'>({
      name: 'herald_retry_store_depth',
      help: 'Deliveries waiting in the retry store, by channel (shared by all workers), read from Redis at scrape time.',
      labelNames: ['channel'],
      registers,
      async collect() {
        const depth = await retryDepth();
        if (depth) for (const [channel, n] of Object.entries(depth)) this.set({ channel }, n);
      },
    }),
    /** Digest windows waiting, by state: due (ended, to be flushed now) or waiting (open, or being flushed). */
    digestBacklog: new Gauge<'state'>({
      name: 'herald_digest_backlog_windows',
      help: 'Digest windows in the batch store, by state: due (ended, waiting for a flusher) or waiting (still open, or claimed by a live flusher).',
      labelNames: ['state'],
      registers,
      async collect() {
        const value = await backlog();
        if (!value) return;
        this.set({ state: 'due' }, value.due);
        this.set({ state: 'waiting' }, value.waiting);
      },
    }),
    /** How long the earliest due digest window has been due; 0 when none is. Grows when no flusher runs. */
    digestOldestDue: new Gauge({
      name: 'herald_digest_oldest_due_seconds',
      help: 'How long the earliest due digest window has waited for a flusher, in seconds (0 when none is due).',
      registers,
      async collect() {
        const value = await backlog();
        if (value) this.set(value.oldestDueAt === null ? 0 : Math.max(0, options.clock.now() - value.oldestDueAt) / 1000);
      },
    }),
  };
}

/** The scrape-time metrics, as returned by {@link registerScrapeMetrics}. */
export type ScrapeMetrics = ReturnType<typeof registerScrapeMetrics>;
