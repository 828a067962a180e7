import { parseArgs } from 'node:util';

/** The scenarios `--only` accepts, in the order they run. Memory is measured inside throughput and fanout; floor compares with both, so it runs after them. */
export const SCENARIOS = ['ceiling', 'throughput', 'fanout', 'floor', 'priority', 'dedup'] as const;
/** One scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  /** Timed repeats per scenario; the median is reported. Default 3. */
  repeats: number;
  /** Shortest timed repeat, in seconds: N is chosen (and raised if needed) so each repeat lasts at least this. Default 10. */
  seconds: number;
  /** Scenarios to run. Default: all of {@link SCENARIOS}. */
  only: ScenarioName[];
  /** Start each worker with `--cpu-prof` (profiles in bench/.out/profiles). Default false. */
  profile: boolean;
  /** Normal and low events the priority scenario produces before its backlog window (once per run, not per repeat). Default 50000. */
  backlog: number;
}

/** Usage text, printed with option errors. */
export const USAGE = `usage: npm run bench -- [--repeats N] [--seconds S] [--only ${SCENARIOS.join(',')}] [--backlog N] [--profile]`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

/** Parses the bench's arguments. @throws Error naming the bad option (print it with {@link USAGE}). */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      repeats: { type: 'string' },
      seconds: { type: 'string' },
      only: { type: 'string' },
      backlog: { type: 'string' },
      profile: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const only =
    values.only === undefined
      ? [...SCENARIOS]
      : values.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0 || only.length === 0) throw new Error(`--only takes a comma-separated list of ${SCENARIOS.join(', ')}; got "${values.only}"`);
  const backlog = positive('backlog', values.backlog, 50_000);
  if (!Number.isInteger(backlog)) throw new Error(`--backlog is a number of events, a whole number; got "${values.backlog}"`);
  return {
    repeats: Math.round(positive('repeats', values.repeats, 3)),
    seconds: positive('seconds', values.seconds, 10),
    only: SCENARIOS.filter((s) => only.includes(s)),
    profile: values.profile ?? false,
    backlog,
  };
}
