import type { Command } from 'commander';
import type { StoredLetter } from '../../dlq/dlq-reader';
import { redactLetter } from '../../dlq/redact-letter';
import { matches, summarize, type LetterFilter, type LetterSummary } from '../../dlq/letter-summary';
import type { CliContext } from '../cli-context';
import { EXIT } from '../cli-error';
import { formatTable, type Column } from '../format-table';
import { countOf } from '../../shared/count-of';
import { collect, parseChannel, parseLetterId, parsePositiveInt, parseSince } from '../option-parsers';
import { createProgress } from '../progress';
import type { Output } from '../run-command';

/** Options shared by `dlq list` and `dlq replay`. */
export interface LetterSelection {
  since?: number;
  channel?: string;
  reason?: string;
  kind?: string;
  event?: string;
  recipient?: string;
  id?: string[];
  quiet?: boolean;
}

/** Adds the selection options to a command. */
export function withSelection(command: Command, now: () => number): Command {
  return command
    .option('--since <when>', 'only letters written since then: a duration back from now (90m, 1h, 2d) or an ISO instant', parseSince(now))
    .option('--channel <channel>', 'only this channel (email, sms, push, in_app, webhook)', parseChannel)
    .option('--reason <code>', 'only this reason code (as the REASON column shows it)')
    .option('--kind <kind>', 'only this kind: delivery_failed, digest_failed, invalid_event')
    .option('--event <id>', 'only letters of this event id')
    .option('--recipient <id>', 'only letters of this recipient id')
    .option('--id <partition:offset>', 'only this letter (repeatable)', collect(parseLetterId))
    .option('-q, --quiet', 'no progress on stderr');
}

/** Reads the DLQ topic and keeps the letters the selection matches, oldest first. */
export async function selectLetters(ctx: CliContext, selection: LetterSelection, io: Output): Promise<{ stored: StoredLetter; row: LetterSummary }[]> {
  const config = await ctx.config();
  const progress = createProgress({ label: `reading ${config.kafka.topics.dlq}`, quiet: selection.quiet, write: io.err });
  const letters = await ctx.deadLetters({ since: selection.since }, (read, total) => (progress.setTotal(total), progress.tick(read)));
  progress.done(letters.length, ' read');
  const filter: LetterFilter = {
    channel: selection.channel,
    reason: selection.reason,
    kind: selection.kind,
    eventId: selection.event,
    recipientId: selection.recipient,
    ids: selection.id,
  };
  return letters.map((stored) => ({ stored, row: summarize(stored) })).filter(({ row }) => matches(row, filter));
}

/** The columns of `dlq list`. */
export const LETTER_COLUMNS: Column<LetterSummary>[] = [
  { header: 'time', value: (r) => r.time.replace(/\.\d{3}Z$/, 'Z') },
  { header: 'id', value: (r) => r.id },
  { header: 'event', value: (r) => r.eventId },
  { header: 'recipient', value: (r) => r.recipientId },
  { header: 'channel', value: (r) => r.channel },
  { header: 'provider', value: (r) => r.provider },
  { header: 'attempts', value: (r) => r.attempts, right: true },
  { header: 'reason', value: (r) => r.reason },
];

/** `herald dlq list`. */
export function registerDlqList(dlq: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>, now: () => number): void {
  withSelection(dlq.command('list'), now)
    .description("a table of dead letters (newest last), read from the DLQ topic without touching the service's consumer groups")
    .option('--limit <n>', 'show at most the newest n', parsePositiveInt, 50)
    .option('--json', 'one JSON object per line instead of a table')
    .addHelpText(
      'after',
      '\nExamples:\n  herald dlq list --since 1h\n  herald dlq list --channel sms --reason provider_unreachable --limit 200\n  herald ' +
        'dlq list --event evt-123 --json',
    )
    .action(async (options: LetterSelection & { limit: number; json?: boolean }) =>
      run(async (ctx, io) => {
        const selected = await selectLetters(ctx, options, io);
        // Filters match the letters as they are; what is printed has addresses redacted (an id taken
        // from an invalid message's bytes, a user id that is an email).
        const shown = selected.slice(-options.limit).map((s) => redactLetter(s.row));
        if (options.json) {
          for (const row of shown) io.out(JSON.stringify(row));
        } else if (shown.length > 0) {
          io.out(formatTable(shown, LETTER_COLUMNS));
        }
        const more = selected.length > shown.length ? `; showing the newest ${shown.length} (raise --limit or narrow with --since)` : '';
        io.err(selected.length === 0 ? 'no dead letters match' : `${countOf(selected.length, 'dead letter')} match${more}. Details: herald dlq show <id>`);
        return EXIT.ok;
      }),
    );
}
