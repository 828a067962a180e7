/**
 * Exit codes of `herald`, for scripts:
 * - 0: done, nothing wrong found;
 * - 1: the command ran and found a problem (an invalid config, an open breaker, a replay that failed again);
 * - 2: usage error (unknown command or option, bad value);
 * - 3: not found (no such dead letter or event, nothing matched);
 * - 4: a dependency could not be reached (Kafka, Redis) or another failure.
 */
export const EXIT = { ok: 0, problem: 1, usage: 2, notFound: 3, unavailable: 4 } as const;

/** A failure the CLI reports as one message (what happened, what to do) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.unavailable,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
