import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { Partitioners } from 'kafkajs';
import type { DeliveryStore } from '../../delivery-state/delivery-store';
import { planReplay, type ReplayStep } from '../../dlq/replay-plan';
import type { CliContext } from '../cli-context';
import { CliError, EXIT } from '../cli-error';
import { formatTable } from '../format-table';
import { parsePositiveInt } from '../option-parsers';
import { createProgress } from '../progress';
import type { Output } from '../run-command';
import { selectLetters, withSelection, type LetterSelection } from './dlq-list';

const FINAL = new Set(['sent', 'delivered', 'failed', 'bounced', 'dead-lettered', 'skipped']);

type ReplayOptions = LetterSelection & { dryRun?: boolean; all?: boolean; wait?: number };

function hasSelection(o: ReplayOptions): boolean {
  return [o.since, o.channel, o.reason, o.kind, o.event, o.recipient].some((v) => v !== undefined) || (o.id?.length ?? 0) > 0;
}

/** Publishes the plan's messages in order, with progress. */
async function publish(ctx: CliContext, steps: ReplayStep[], io: Output, quiet?: boolean): Promise<void> {
  const producer = ctx.kafka().producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const progress = createProgress({ label: 'replaying', total: steps.length, quiet, write: io.err });
  try {
    let done = 0;
    for (const step of steps) {
      await producer.send({ topic: step.publish!.topic, acks: -1, messages: [step.publish!.message] });
      progress.tick(++done);
    }
    progress.done(done, ' published');
  } finally {
    await producer.disconnect();
  }
}

/** Waits until each replayed delivery's new try has ended (its replay count moved and its status is final). */
async function waitForOutcomes(store: DeliveryStore, steps: ReplayStep[], timeoutMs: number, io: Output, quiet?: boolean): Promise<{ step: ReplayStep; status: string }[]> {
  const deadline = Date.now() + timeoutMs;
  const progress = createProgress({ label: 'waiting for the tries', total: steps.length, quiet, write: io.err });
  for (;;) {
    const outcomes = await Promise.all(
      steps.map(async (step) => {
        const record = await store.get(step.delivery!.ref);
        const landed = record && (record.replays ?? 0) > step.delivery!.replaysBefore && FINAL.has(record.status);
        return { step, status: landed ? record.status : 'waiting' };
      }),
    );
    const settled = outcomes.filter((o) => o.status !== 'waiting').length;
    progress.tick(settled);
    if (settled === outcomes.length || Date.now() >= deadline) {
      progress.done(settled, ' ended');
      return outcomes;
    }
    await sleep(250);
  }
}

/** `herald dlq replay`. */
export function registerDlqReplay(dlq: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>, now: () => number): void {
  withSelection(dlq.command('replay'), now)
    .description('re-publishes the selected dead letters for one more try each; sent deliveries are never sent again, and one that fails again returns to the DLQ with its attempt count')
    .option('--dry-run', 'print what would be replayed and why, publish nothing')
    .option('--all', 'replay every letter on the topic (required when no filter is given)')
    .option('--wait <seconds>', 'wait up to this long for the tries to end and report each outcome (exit 1 if any failed again)', parsePositiveInt)
    .addHelpText(
      'after',
      '\nA failed delivery gets one more try (through the retry store, as one attempt); a failed digest has each of its events\nretried on its own; an invalid message is re-published only if it is a valid event now.\n\nExamples:\n  herald dlq replay --since 1h --channel sms --dry-run\n  herald dlq replay --id 0:17 --id 2:40 --wait 60\n  herald dlq replay --reason provider_timeout --since 2026-11-21T03:00:00Z',
    )
    .action(async (options: ReplayOptions) =>
      run(async (ctx, io) => {
        if (!hasSelection(options) && !options.all) {
          throw new CliError('say which dead letters to replay (--since, --channel, --reason, --kind, --event, --recipient or --id), or --all for every one', EXIT.usage);
        }
        const config = await ctx.config();
        const selected = await selectLetters(ctx, options, io);
        if (selected.length === 0) {
          io.err('no dead letters match; nothing replayed');
          return EXIT.notFound;
        }
        const store = await ctx.deliveries();
        const steps = await planReplay(
          selected.map((s) => s.stored),
          config,
          { record: (ref) => store.get(ref), event: (id) => store.eventOf(id) },
        );
        io.out(formatTable(steps, [
          { header: 'id', value: (s) => s.letterId },
          { header: 'event', value: (s) => s.eventId },
          { header: 'recipient', value: (s) => s.recipientId },
          { header: 'channel', value: (s) => s.channel },
          { header: 'action', value: (s) => s.action },
          { header: 'why', value: (s) => s.why },
        ]));
        const go = steps.filter((s) => s.publish);
        const skipped = steps.length - go.length;
        if (options.dryRun) {
          io.err(`dry run: would replay ${go.length}, skip ${skipped}; nothing published`);
          return EXIT.ok;
        }
        if (go.length > 0) await publish(ctx, go, io, options.quiet);
        io.err(`replayed ${go.length}, skipped ${skipped}. Follow one with: herald status <event>`);
        const waited = go.filter((s) => s.delivery);
        if (options.wait === undefined || waited.length === 0) return EXIT.ok;
        const outcomes = await waitForOutcomes(store, waited, options.wait * 1000, io, options.quiet);
        io.out(formatTable(outcomes, [
          { header: 'id', value: (o) => o.step.letterId },
          { header: 'event', value: (o) => o.step.eventId },
          { header: 'recipient', value: (o) => o.step.recipientId },
          { header: 'channel', value: (o) => o.step.channel },
          { header: 'now', value: (o) => o.status },
        ]));
        const bad = outcomes.filter((o) => o.status !== 'sent' && o.status !== 'delivered');
        if (bad.length > 0) io.err(`${bad.length} did not go out (still waiting, or back on the DLQ: herald dlq list --since 10m)`);
        return bad.length > 0 ? EXIT.problem : EXIT.ok;
      }),
    );
}
