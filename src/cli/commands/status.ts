import type { Command } from 'commander';
import { createScheduleStore } from '../../scheduling/schedule-store';
import type { DeliveryRecord } from '../../delivery-state/types';
import type { CliContext } from '../cli-context';
import { CliError, EXIT } from '../cli-error';
import { formatTable, line } from '../format-table';
import { countOf } from '../../shared/count-of';
import type { Output } from '../run-command';

/** `herald status <event-id>`. */
export function registerStatus(program: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>): void {
  program
    .command('status')
    .description('where each delivery of one event stands, per recipient and channel (read from Redis, as GET /api/notifications/:id)')
    .argument('<event-id>', "the event id (the producer's, or what POST /api/notify returned)")
    .option('--json', 'the record as JSON')
    .addHelpText('after', '\nExamples:\n  herald status evt-123\n  herald status 0193d6a2-… --json')
    .action(async (eventId: string, options: { json?: boolean }) =>
      run(async (ctx, io) => {
        const config = await ctx.config();
        const redis = await ctx.redis();
        const keys = ctx.keys();
        const store = await ctx.deliveries();
        const schedule = createScheduleStore({ redis, keys, clock: ctx.clock, retentionSeconds: config.deliveryState.retentionSeconds });
        const [found, scheduled] = await Promise.all([store.notification(eventId), schedule.state(eventId)]);
        if (!found && !scheduled) {
          throw new CliError(
            line`no record of event ${eventId}: the id may be wrong, the event not consumed yet (see "herald lag"), dropped as a duplicate, ` +
              line`rejected (see "herald dlq list --event ${eventId}"), or past deliveryState.retentionSeconds`,
            EXIT.notFound,
          );
        }
        const deliveries: DeliveryRecord[] = found?.deliveries ?? [];
        const meta = found?.meta ?? null;
        if (options.json) {
          const { event: _event, ...summary } = meta ?? {};
          io.out(JSON.stringify({ id: eventId, meta: meta ? summary : null, schedule: scheduled, deliveries }, null, 2));
          return EXIT.ok;
        }
        io.out(line`Event ${eventId}`);
        if (meta)
          io.out(
            line`  type ${meta.type ?? '-'}, priority ${meta.priority ?? '-'}, created ${meta.createdAt ?? '-'}, received ${meta.receivedAt ?? '-'}, ` +
              line`${meta.recipients ? countOf(Number(meta.recipients), 'recipient') : '? recipients'} on ${meta.channels ?? '?'}`,
          );
        if (scheduled) io.out(line`  scheduled: ${scheduled.state}` + (scheduled.dueAt ? ` for ${new Date(scheduled.dueAt).toISOString()}` : ''));
        if (deliveries.length === 0) {
          io.out('  no deliveries yet');
          return EXIT.ok;
        }
        io.out(
          formatTable(deliveries, [
            { header: 'recipient', value: (d) => d.recipientId },
            { header: 'channel', value: (d) => d.channel },
            { header: 'status', value: (d) => d.status },
            { header: 'attempts', value: (d) => d.attempts, right: true },
            { header: 'provider', value: (d) => d.provider },
            { header: 'reason', value: (d) => d.reason },
            { header: 'next try', value: (d) => d.nextAttemptAt },
            { header: 'updated', value: (d) => d.updatedAt },
          ]),
        );
        return EXIT.ok;
      }),
    );
}
