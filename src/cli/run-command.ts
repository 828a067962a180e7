import { describeError } from '../shared/errors';
import { escapeControlsKeepingLines } from '../shared/control-chars';
import { createCliContext, type CliContext, type GlobalOptions } from './cli-context';
import { CliError, EXIT } from './cli-error';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * The process's own streams. Whatever a command prints is escaped on the way out (its own line
 * breaks kept): the last line of defence, so no control or bidi character from an event, a letter,
 * Redis or an error message reaches the terminal raw, whichever line forgot to escape a value.
 * JSON stays valid JSON with the same value (see escapeControls).
 */
export const processOutput: Output = {
  out: (text) => process.stdout.write(`${escapeControlsKeepingLines(text)}\n`),
  err: (text) => process.stderr.write(`${escapeControlsKeepingLines(text)}\n`),
};

/**
 * Runs one command body with a fresh context, closes what it opened, and turns the outcome into
 * an exit code: the body's own (0 when it returns nothing), a {@link CliError}'s, or 4 for anything
 * unexpected, always with a message on stderr.
 */
export async function runCommand(
  globals: GlobalOptions,
  body: (ctx: CliContext, io: Output) => Promise<number | void>,
  io: Output = processOutput,
): Promise<number> {
  const ctx = createCliContext(globals);
  try {
    return (await body(ctx, io)) ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`herald: ${error.message}`);
      return error.exitCode;
    }
    io.err(`herald: ${describeError(error)}`);
    return EXIT.unavailable;
  } finally {
    await ctx.close();
  }
}
