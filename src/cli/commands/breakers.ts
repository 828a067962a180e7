import type { Command } from 'commander';
import { readWorkerReports, STALE_AFTER_BEATS } from '../../service/worker-registry';
import type { CliContext } from '../cli-context';
import { CliError, EXIT } from '../cli-error';
import { formatTable } from '../format-table';
import { countOf } from '../../shared/count-of';
import type { Output } from '../run-command';

/** `herald breakers`. */
export function registerBreakers(program: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>): void {
  program
    .command('breakers')
    .description("circuit breaker state of every provider in every worker (from the workers' heartbeats in Redis); exit 1 when one is open")
    .option('--json', 'one JSON object per worker and provider')
    .addHelpText(
      'after',
      '\nA breaker opens after repeated retriable failures of its provider and lets a trial call through at TRIAL AT.\nWorkers whose heartbeat is late are ' +
        'marked "gone" (stopped, killed or cut off from Redis).',
    )
    .action(async (options: { json?: boolean }) =>
      run(async (ctx, io) => {
        const config = await ctx.config();
        const redis = await ctx.redis();
        const reports = await readWorkerReports(redis, ctx.keys(), ctx.clock.now(), config.heartbeat.intervalMs);
        if (reports.length === 0) {
          throw new CliError('no worker has reported: none is running against this Redis and HERALD_REDIS_PREFIX, or they run an older herald', EXIT.notFound);
        }
        const rows = reports.flatMap((w) => w.breakers.map((b) => ({ worker: w, ...b })));
        if (options.json) {
          for (const r of rows)
            io.out(
              JSON.stringify({
                worker: r.worker.owner,
                stale: r.worker.stale,
                seenAt: r.worker.seenAt,
                channel: r.channel,
                provider: r.provider,
                state: r.state,
                since: r.since,
                trialAt: r.trialAt,
              }),
            );
        } else {
          io.out(
            formatTable(rows, [
              { header: 'channel', value: (r) => r.channel },
              { header: 'provider', value: (r) => r.provider },
              { header: 'state', value: (r) => (r.worker.stale ? `${r.state} (gone)` : r.state) },
              { header: 'since', value: (r) => r.since },
              { header: 'trial at', value: (r) => r.trialAt },
              { header: 'worker', value: (r) => `${r.worker.owner}${r.worker.stale ? ` (last seen ${r.worker.seenAt})` : ''}` },
            ]),
          );
        }
        const live = reports.filter((w) => !w.stale);
        const open = rows.filter((r) => !r.worker.stale && r.state !== 'closed');
        io.err(
          `${countOf(
            live.length,
            'live worker',
          )}${reports.length > live.length ? `, ${reports.length - live.length} gone (no heartbeat for ${STALE_AFTER_BEATS}× heartbeat.intervalMs)` : ''}; ` +
            `${open.length === 0 ? 'every breaker closed' : `${countOf(open.length, 'breaker')} not closed: see docs/runbook.md#heraldbreakeropen`}`,
        );
        return open.length > 0 ? EXIT.problem : EXIT.ok;
      }),
    );
}
