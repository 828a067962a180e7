import type { LagRow } from '../../../src/kafka/consumer-lag';
import { createMetrics } from '../../../src/metrics/metrics';
import { registerScrapeMetrics, type DigestBacklog, type ScrapeSources } from '../../../src/metrics/scrape-metrics';
import { captureLogger } from '../../support/capture-logger';

const row = (partition: number, lag: number): LagRow => ({ groupId: 'herald', topic: 'in', partition, committed: '0', end: String(lag), lag });

/** Sources answering from plain values a test changes; each counts how often it was asked. */
function fakeSources() {
  const state = {
    lag: [row(0, 4), row(1, 0)] as LagRow[] | Error,
    lagDelayMs: 0,
    lagReads: 0,
    depth: { email: 2, sms: 0 } as Record<string, number> | Error,
    backlog: { due: 1, waiting: 3, oldestDueAt: 1_000 } as DigestBacklog,
  };
  const sources: ScrapeSources = {
    consumerLag: async () => {
      state.lagReads++;
      if (state.lagDelayMs) await new Promise((r) => setTimeout(r, state.lagDelayMs));
      if (state.lag instanceof Error) throw state.lag;
      return state.lag;
    },
    retryDepth: async () => {
      if (state.depth instanceof Error) throw state.depth;
      return state.depth;
    },
    digestBacklog: async () => state.backlog,
  };
  return { state, sources };
}

function setup(options: { lagCacheMs?: number; timeoutMs?: number } = {}) {
  const metrics = createMetrics();
  const clock = { t: 61_000, now: () => clock.t };
  const log = captureLogger();
  const { state, sources } = fakeSources();
  registerScrapeMetrics(metrics.registry, sources, { clock, logger: log.logger, ...options });
  const scrape = () => metrics.registry.metrics();
  return { clock, log, state, scrape };
}

describe('gauges read at scrape time', () => {
  it('exposes lag per group, topic and partition, retry depth per channel and the digest backlog', async () => {
    const { scrape } = setup();

    const text = await scrape();

    expect(text).toContain('herald_consumer_lag_messages{group="herald",topic="in",partition="0"} 4');
    expect(text).toContain('herald_consumer_lag_messages{group="herald",topic="in",partition="1"} 0');
    expect(text).toContain('herald_retry_store_depth{channel="email"} 2');
    expect(text).toContain('herald_digest_backlog_windows{state="due"} 1');
    expect(text).toContain('herald_digest_backlog_windows{state="waiting"} 3');
    // Due at 1 s, scraped at 61 s: the earliest due window has waited a minute.
    expect(text).toContain('herald_digest_oldest_due_seconds 60');
    expect(text).toContain('herald_consumer_lag_errors_total 0');
  });

  it('asks the brokers at most once per lagCacheMs, however often it is scraped', async () => {
    const { clock, state, scrape } = setup({ lagCacheMs: 5_000 });
    await scrape();
    state.lag = [row(0, 9)];
    clock.t += 4_999;

    expect(await scrape()).toContain('partition="0"} 4');
    expect(state.lagReads).toBe(1);

    clock.t += 1;
    const text = await scrape();
    expect(state.lagReads).toBe(2);
    expect(text).toContain('partition="0"} 9');
    // Partition 1 is no longer reported (topic recreated): it does not linger.
    expect(text).not.toContain('partition="1"');
  });

  it('keeps the last lag when the brokers fail, counts each failed read, logs once per outage and again on recovery', async () => {
    const { clock, log, state, scrape } = setup({ lagCacheMs: 1_000 });
    await scrape();
    state.lag = new Error('There is no leader for this topic-partition');

    for (let i = 0; i < 3; i++) {
      clock.t += 1_000;
      const text = await scrape();
      expect(text).toContain('herald_consumer_lag_messages{group="herald",topic="in",partition="0"} 4');
    }
    const failedScrapeWithinCache = await scrape();

    expect(failedScrapeWithinCache).toContain('herald_consumer_lag_errors_total 3');
    const warnings = log.lines().filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      message: 'consumer lag cannot be read; /metrics keeps its last values until it can',
      source: 'consumer lag',
      error: 'Error: There is no leader for this topic-partition',
    });

    state.lag = [row(0, 1)];
    clock.t += 1_000;
    expect(await scrape()).toContain('partition="0"} 1');
    expect(log.lines().filter((l) => l.message === 'consumer lag can be read again')).toHaveLength(1);
  });

  it('answers a scrape within timeoutMs with the last values while the brokers are slow, sharing one read', async () => {
    const { clock, state, scrape } = setup({ lagCacheMs: 0, timeoutMs: 100 });
    await scrape();
    state.lag = [row(0, 7)];
    state.lagDelayMs = 400;
    clock.t += 1;

    const started = Date.now();
    const [a, b] = await Promise.all([scrape(), scrape()]);

    expect(Date.now() - started).toBeLessThan(350);
    expect(a).toContain('partition="0"} 4');
    expect(b).toContain('partition="0"} 4');
    expect(state.lagReads).toBe(2);
    // The slow read goes on and serves the next scrape.
    await new Promise((r) => setTimeout(r, 450));
    state.lagDelayMs = 0;
    expect(await scrape()).toContain('partition="0"} 7');
  });

  it('keeps the last retry depth when Redis fails, without failing the scrape', async () => {
    const { log, state, scrape } = setup();
    await scrape();
    state.depth = new Error('Connection is closed.');

    const text = await scrape();

    expect(text).toContain('herald_retry_store_depth{channel="email"} 2');
    expect(log.lines().filter((l) => l.source === 'retry store depth' && l.level === 'warn')).toHaveLength(1);
  });

  it('reports 0 s for the oldest due digest when none is due', async () => {
    const { state, scrape } = setup();
    state.backlog = { due: 0, waiting: 2, oldestDueAt: null };

    expect(await scrape()).toContain('herald_digest_oldest_due_seconds 0');
  });
});
