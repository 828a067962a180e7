import type { Command } from 'commander';
import { LIMITS } from '../../contract/limits';
import { nestsDeeperThan } from '../../contract/parse-event';
import type { DeadLetter } from '../../contract/dead-letter';
import type { DeliveryRecord } from '../../delivery-state/types';
import { redactDeadLetter } from '../../dlq/redact-letter';
import type { CliContext } from '../cli-context';
import { messageOf } from '../../shared/errors';
import { CliError, EXIT } from '../cli-error';
import { line } from '../format-table';
import { countOf } from '../../shared/count-of';
import { parseLetterId } from '../option-parsers';
import type { Output } from '../run-command';

/** The delivery records a letter is about, read from Redis (null when Redis cannot be read). */
async function currentState(ctx: CliContext, letter: DeadLetter): Promise<{ label: string; record: DeliveryRecord | null }[] | string> {
  if (letter.kind === 'invalid_event') return [];
  try {
    const store = await ctx.deliveries();
    const refs =
      letter.kind === 'delivery_failed'
        ? [{ eventId: letter.event.id, recipientId: letter.delivery.recipientId, channel: letter.delivery.channel }]
        : letter.digest.eventIds.map((eventId) => ({ eventId, recipientId: letter.digest.recipientId, channel: letter.digest.channel }));
    return await Promise.all(refs.map(async (ref) => ({ label: ref.eventId, record: await store.get(ref) })));
  } catch (error) {
    return messageOf(error);
  }
}

function describeRecord(record: DeliveryRecord | null): string {
  if (!record) return 'no record (past deliveryState.retentionSeconds)';
  const extra = [record.reason && line`reason ${record.reason}`, record.replays && `replayed ${record.replays}×`].filter(Boolean).join(', ');
  return line`${record.status}, ${countOf(record.attempts, 'attempt')}, updated ${record.updatedAt}` + (extra ? ` (${extra})` : '');
}

/** The human summary lines of a letter, every value escaped; pass a letter already redacted unless `--reveal`. */
function summaryLines(letter: DeadLetter): string[] {
  const lines = [
    line`  kind       ${letter.kind}`,
    line`  reason     ${letter.reason}`,
    line`  message    ${letter.message}`,
    line`  failed at  ${letter.failedAt}`,
  ];
  if (letter.kind === 'delivery_failed') {
    const { event, delivery } = letter;
    lines.push(line`  event      ${event.id} (type ${event.type}, priority ${event.priority}, created ${event.createdAt})`);
    lines.push(
      line`  delivery   recipient ${delivery.recipientId}, channel ${delivery.channel}, provider ${delivery.provider}, ` +
        `${countOf(delivery.attempts, 'attempt')}, ${delivery.retriable ? 'retriable error' : 'permanent error'}`,
    );
  } else if (letter.kind === 'digest_failed') {
    const { digest } = letter;
    lines.push(
      line`  digest     ${digest.digestId}: ${digest.eventIds.length} events for recipient ${digest.recipientId} on ${digest.channel}` +
        line` via ${digest.provider}, ${countOf(digest.attempts, 'attempt')}`,
    );
  } else {
    const { source } = letter;
    lines.push(line`  source     ${source.topic} partition ${source.partition} offset ${source.offset} (key ${source.key ?? '-'}, ${source.timestamp})`);
    for (const issue of letter.issues.slice(0, 20)) lines.push(line`  issue      ${issue.path}: ${issue.message}`);
    if (letter.issues.length > 20) lines.push(`  issue      … ${letter.issues.length - 20} more (--json shows all)`);
  }
  return lines;
}

/**
 * The letter as printed. With `reveal`, as it is, an invalid message's raw bytes decoded (as JSON
 * when they are, as text when they are valid UTF-8, else base64). Without, see redactDeadLetter:
 * no address, phone number or token, no payload value, no raw bytes.
 */
function printable(letter: DeadLetter, reveal: boolean): Record<string, unknown> {
  if (!reveal) return redactDeadLetter(letter);
  const shown: Record<string, unknown> = { ...letter };
  if (letter.kind === 'invalid_event') {
    const text = Buffer.from(letter.rawBase64, 'base64').toString('utf8');
    if (!text.includes('\uFFFD')) {
      delete shown.rawBase64;
      // JSON nested past the event limit (a too_deep letter) stays text: printing it as JSON would overflow the stack.
      try {
        const json: unknown = JSON.parse(text);
        shown.raw = nestsDeeperThan(json, LIMITS.maxJsonDepth) ? text : json;
      } catch {
        shown.raw = text;
      }
    }
  }
  return shown;
}

/** `herald dlq show <id>`. */
export function registerDlqShow(dlq: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>): void {
  dlq
    .command('show')
    .description('everything about one dead letter, and where its delivery stands now; addresses, payload values and raw bytes redacted unless --reveal')
    .argument('<id>', 'the letter id, <partition>:<offset>, as the ID column of "herald dlq list" shows it', parseLetterId)
    .option(
      '--reveal',
      "show addresses, phone numbers, tokens, payload values and an invalid message's raw bytes as they are (mind who is watching your screen)",
    )
    .option('--json', 'the letter as JSON')
    .addHelpText('after', '\nExamples:\n  herald dlq show 0:17\n  herald dlq show 2:1043 --json --reveal')
    .action(async (id: string, options: { reveal?: boolean; json?: boolean }) =>
      run(async (ctx, io) => {
        const [partition, offset] = id.split(':') as [string, string];
        const config = await ctx.config();
        const found = await ctx.deadLetters({ partitions: [Number(partition)], fromOffset: offset, maxPerPartition: 1 });
        const stored = found.find((s) => s.id === id);
        if (!stored)
          throw new CliError(
            `no dead letter ${id} on ${config.kafka.topics.dlq}: the partition or offset does not exist, or retention removed it; ` +
              `list them with "herald dlq list"`,
            EXIT.notFound,
          );
        if (!stored.letter)
          throw new CliError(
            line`message ${id} on ${config.kafka.topics.dlq} is not a herald dead letter (${stored.unreadable}); inspect it with kafka-console-consumer`,
            EXIT.problem,
          );
        const reveal = options.reveal ?? false;
        if (options.json) {
          io.out(JSON.stringify({ id, ...printable(stored.letter, reveal) }, null, 2));
          return EXIT.ok;
        }
        io.out(`Dead letter ${id} on ${config.kafka.topics.dlq}`);
        for (const text of summaryLines(reveal ? stored.letter : (redactDeadLetter(stored.letter) as DeadLetter))) io.out(text);
        const state = await currentState(ctx, stored.letter);
        if (typeof state === 'string') io.out(line`  now        unknown: ${state}`);
        else for (const { label, record } of state) io.out(`  now        ${state.length > 1 ? line`${label}: ` : ''}${describeRecord(record)}`);
        io.out(`  replay     herald dlq replay --id ${id} --dry-run`);
        io.out(`\n${reveal ? 'Letter:' : 'Letter (addresses, phone numbers, tokens, payload values and raw bytes redacted; --reveal shows them):'}`);
        io.out(JSON.stringify(printable(stored.letter, reveal), null, 2));
        return EXIT.ok;
      }),
    );
}
