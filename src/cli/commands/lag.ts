import type { Command } from 'commander';
import { heraldLaneGroups, readConsumerLag, type LagRow } from '../../kafka/consumer-lag';
import { messageOf } from '../../shared/errors';
import type { CliContext } from '../cli-context';
import { CliError, EXIT } from '../cli-error';
import { formatTable, line } from '../format-table';
import { countOf } from '../../shared/count-of';
import type { Output } from '../run-command';

/** `herald lag`. */
export function registerLag(program: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>): void {
  program
    .command('lag')
    .description('consumer lag per partition of the intake group (on the incoming topic) and the bulk lane group (on the bulk topic)')
    .option('--group <id>', 'consumer group of the workers (default KAFKA_GROUP_ID, else herald-workers)')
    .option('--json', 'one JSON object per partition')
    .addHelpText(
      'after',
      '\nLAG is messages not yet handled. Critical and high events are handled by the intake group; normal and low ones are\nforwarded to the bulk lane ' +
        '(kafka.fastLane), so a large bulk lag alone does not delay critical notifications.',
    )
    .action(async (options: { group?: string; json?: boolean }) =>
      run(async (ctx, io) => {
        const config = await ctx.config();
        const admin = await ctx.admin();
        const groupId = options.group ?? ctx.env().KAFKA_GROUP_ID;
        const groups = heraldLaneGroups(groupId, config.kafka.topics);
        let rows: LagRow[];
        try {
          rows = await readConsumerLag(admin, groups);
        } catch (error) {
          throw new CliError(messageOf(error), EXIT.unavailable);
        }
        // With processes split by lane (HERALD_LANES), a lane nobody consumes is the mistake to catch: say how many members each group has.
        const members = await admin
          .describeGroups(groups.map((g) => g.groupId))
          .then(({ groups: described }) => new Map(described.map((g) => [g.groupId, g.members.length])))
          .catch(() => new Map<string, number>());
        const laneOf = (g: string) => (g === groupId ? 'intake' : 'bulk');
        if (options.json) {
          for (const r of rows) io.out(JSON.stringify(r));
        } else {
          io.out(
            formatTable(rows, [
              { header: 'group', value: (r) => r.groupId },
              { header: 'topic', value: (r) => r.topic },
              { header: 'partition', value: (r) => r.partition, right: true },
              { header: 'committed', value: (r) => r.committed ?? 'none', right: true },
              { header: 'end', value: (r) => r.end, right: true },
              { header: 'lag', value: (r) => r.lag, right: true },
            ]),
          );
        }
        const totals = new Map<string, number>();
        for (const r of rows) totals.set(r.groupId, (totals.get(r.groupId) ?? 0) + r.lag);
        const summary = (g: string, n: number) => {
          const m = members.get(g);
          if (m === undefined) return line`${g}: ${n} behind`;
          if (m > 0 || n === 0) return line`${g}: ${n} behind, ${countOf(m, 'member')}`;
          return line`${g}: ${n} behind, no member: no worker consumes the ${laneOf(g)} lane; start one whose HERALD_LANES includes ${laneOf(g)}`;
        };
        io.err([...totals].map(([g, n]) => summary(g, n)).join('; '));
        return EXIT.ok;
      }),
    );
}
