import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { createProducer } from '../../kafka/producer';
import { createDeliveryStore, type DeliveryStore } from '../../delivery-state/delivery-store';
import { createStatusPublisher } from '../../delivery-state/status-publisher';
import { createRetryStore } from '../../retries/retry-store';
import { createReplayer, type ReplayOutcome } from '../../dlq/replay-delivery';
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

/**
 * Carries out the plan in order, with progress: a delivery's replay is written to herald's own
 * stores (its record reopened, its retry stored, the `pending` change published to the status
 * topic), an invalid message that is valid now is re-published to the intake topic. Returns the
 * steps whose delivery was reopened; a record that changed since the plan was read is left as it is.
 */
async function carryOut(
  ctx: CliContext,
  steps: ReplayStep[],
  io: Output,
  quiet?: boolean,
): Promise<{ reopened: ReplayStep[]; changed: { step: ReplayStep; outcome: ReplayOutcome }[] }> {
  const [config, redis] = await Promise.all([ctx.config(), ctx.redis()]);
  const producer = createProducer(ctx.kafka(), 'a-few-tries');
  await producer.connect();
  const status = createStatusPublisher({ producer, topic: config.kafka.topics.status });
  const keys = ctx.keys();
  const deliveries = createDeliveryStore({
    redis,
    keys,
    clock: ctx.clock,
    retentionSeconds: config.deliveryState.retentionSeconds,
    leaseMs: config.dedup.sendLeaseMs,
    onChange: (change) => status.publish(change),
  });
  const replay = createReplayer({ deliveries, retries: createRetryStore({ redis, keys, clock: ctx.clock }), clock: ctx.clock });
  const progress = createProgress({ label: 'replaying', total: steps.length, quiet, write: io.err });
  const reopened: ReplayStep[] = [];
  const changed: { step: ReplayStep; outcome: ReplayOutcome }[] = [];
  try {
    let done = 0;
    for (const step of steps) {
      if (step.replay) {
        const { outcome } = await replay(step.replay.event, step.replay.target);
        if (outcome === 'reopened') reopened.push(step);
        else changed.push({ step, outcome });
      } else {
        await producer.send({ topic: step.publish!.topic, acks: -1, messages: [step.publish!.message] });
      }
      progress.tick(++done);
    }
    progress.done(done, ' done');
    await status.flush();
  } finally {
    await producer.disconnect();
  }
  return { reopened, changed };
}

/** Waits until each replayed delivery's new try has ended (its replay count moved and its status is final). */
async function waitForOutcomes(
  store: DeliveryStore,
  steps: ReplayStep[],
  timeoutMs: number,
  io: Output,
  quiet?: boolean,
): Promise<{ step: ReplayStep; status: string }[]> {
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
export function registerDlqReplay(
  dlq: Command,
  run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>,
  now: () => number,
): void {
  withSelection(dlq.command('replay'), now)
    .description(
      'gives the selected dead letters one more try each; sent deliveries are never sent again, and one that fails again returns to ' +
        'the DLQ with its attempt count',
    )
    .option('--dry-run', 'print what would be replayed and why, change nothing')
    .option('--all', 'replay every letter on the topic (required when no filter is given)')
    .option('--wait <seconds>', 'wait up to this long for the tries to end and report each outcome (exit 1 if any failed again)', parsePositiveInt)
    .addHelpText(
      'after',
      "\nA failed delivery gets one more try (through the retry store, as one attempt), checked against herald's own records\n(only a delivery herald " +
        'recorded as dead-lettered or bounced, with the event intake recorded); a failed digest has\neach of its events retried on ' +
        'its own; an invalid message is ' +
        're-published to the intake topic only if it is a valid\nevent now.\n\nExamples:\n  herald dlq replay --since 1h --channel ' +
        'sms --dry-run\n  herald dlq ' +
        'replay --id 0:17 --id 2:40 --wait 60\n  herald dlq replay --reason provider_unreachable --since 2026-11-21T03:00:00Z',
    )
    .action(async (options: ReplayOptions) =>
      run(async (ctx, io) => {
        if (!hasSelection(options) && !options.all) {
          throw new CliError(
            'say which dead letters to replay (--since, --channel, --reason, --kind, --event, --recipient or --id), or --all for every one',
            EXIT.usage,
          );
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
        io.out(
          formatTable(steps, [
            { header: 'id', value: (s) => s.letterId },
            { header: 'event', value: (s) => s.eventId },
            { header: 'recipient', value: (s) => s.recipientId },
            { header: 'channel', value: (s) => s.channel },
            { header: 'action', value: (s) => s.action },
            { header: 'why', value: (s) => s.why },
          ]),
        );
        const go = steps.filter((s) => s.publish || s.replay);
        const skipped = steps.length - go.length;
        if (options.dryRun) {
          io.err(`dry run: would replay ${go.length}, skip ${skipped}; nothing changed`);
          return EXIT.ok;
        }
        const { reopened, changed } = go.length > 0 ? await carryOut(ctx, go, io, options.quiet) : { reopened: [], changed: [] };
        for (const { step, outcome } of changed)
          io.err(`letter ${step.letterId}: event ${step.eventId} ${step.channel} changed since the plan was read (${outcome}); left as it is`);
        io.err(`replayed ${go.length - changed.length}, skipped ${skipped + changed.length}. Follow one with: herald status <event>`);
        const waited = reopened;
        if (options.wait === undefined || waited.length === 0) return EXIT.ok;
        const outcomes = await waitForOutcomes(store, waited, options.wait * 1000, io, options.quiet);
        io.out(
          formatTable(outcomes, [
            { header: 'id', value: (o) => o.step.letterId },
            { header: 'event', value: (o) => o.step.eventId },
            { header: 'recipient', value: (o) => o.step.recipientId },
            { header: 'channel', value: (o) => o.step.channel },
            { header: 'now', value: (o) => o.status },
          ]),
        );
        const bad = outcomes.filter((o) => o.status !== 'sent' && o.status !== 'delivered');
        if (bad.length > 0) io.err(`${bad.length} did not go out (still waiting, or back on the DLQ: herald dlq list --since 10m)`);
        return bad.length > 0 ? EXIT.problem : EXIT.ok;
      }),
    );
}
