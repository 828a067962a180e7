/**
 * `npm run bench`: measures herald on the local stack (Kafka started if nothing answers, Redis),
 * with the real service as a child process. Prints a table, writes bench/results.json.
 * Exits 1 only when the bench itself failed (a timeout, a crash), never for a missed target.
 * See BENCHMARKS.md for what each scenario measures and how.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureKafka } from '../scripts/kafka-stack';
import { loadEnv } from '../src/config/env';
import { requireSupportedNode } from '../src/shared/node-version';
import { ignoreTimeoutNegativeWarning } from '../src/kafka/ignore-timeout-warning';
import { createContext, type BenchContext } from './context';
import { checkBenchEvents } from './events';
import { machineInfo } from './machine';
import { USAGE, parseOptions, type BenchOptions, type ScenarioName } from './options';
import { valueOf, type ScenarioResult } from './results';
import { runCeiling } from './scenarios/ceiling';
import { runDedup } from './scenarios/dedup';
import { runFanOut } from './scenarios/fan-out';
import { runFloor } from './scenarios/floor';
import { runPriority } from './scenarios/priority';
import { runThroughput } from './scenarios/throughput';
import { formatTable } from './table';

const ROOT = path.resolve(__dirname, '..');

const RESULTS_FILE = path.resolve(__dirname, 'results.json');

/** Runs one scenario; what it needs from earlier ones (the ceiling, the throughput) is read from `done`. */
function runScenario(name: ScenarioName, ctx: BenchContext, done: ScenarioResult[]): Promise<ScenarioResult> {
  const earlier = (scenario: string) => done.find((r) => r.scenario === scenario && !r.error);
  switch (name) {
    case 'ceiling':
      return runCeiling(ctx);
    case 'throughput':
      return runThroughput(ctx, valueOf(earlier('ceiling'), 'bare consumer events/s'));
    case 'fanout':
      return runFanOut(ctx);
    case 'floor':
      return runFloor(ctx, { throughput: earlier('throughput'), fanOut: earlier('fan-out') });
    case 'priority':
      return runPriority(ctx, valueOf(earlier('throughput'), 'events/s'));
    case 'dedup':
      return runDedup(ctx);
  }
}

function commandLine(argv: string[]): string {
  return argv.length ? `npm run bench -- ${argv.join(' ')}` : 'npm run bench';
}

async function redisVersion(ctx: BenchContext): Promise<string> {
  const info = await ctx.redis.info('server').catch(() => '');
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/** Runs the chosen scenarios in order; a scenario that throws is recorded as failed and the next still runs. */
async function runAll(ctx: BenchContext, interrupted: () => boolean): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const name of ctx.options.only) {
    if (interrupted()) break;
    ctx.log(`${name}: starting`);
    const begun = Date.now();
    let result: ScenarioResult;
    try {
      result = await runScenario(name, ctx, results);
    } catch (error) {
      result = { scenario: name, figures: [], runs: [], notes: [], error: error instanceof Error ? error.message : String(error) };
    }
    result.wallSeconds = Math.round((Date.now() - begun) / 1000);
    results.push(result);
    ctx.log(`${name}: ${result.error ? `FAILED: ${result.error}` : 'done'} (${result.wallSeconds} s)`);
  }
  return results;
}

/** Prints the table and notes, writes the results; returns the exit code. */
function report(
  ctx: BenchContext,
  output: { scenarios: ScenarioResult[]; totalSeconds: number; cleanupProblems: string[] } & Record<string, unknown>,
  interrupted: boolean,
): number {
  const { scenarios, totalSeconds, cleanupProblems } = output;
  console.log(`\n${formatTable(scenarios)}\n`);
  for (const note of [...scenarios.flatMap((r) => r.notes), ...ctx.notes]) console.log(`note: ${note}`);
  for (const problem of cleanupProblems) console.log(`cleanup: ${problem}`);
  for (const profile of ctx.artifacts.profiles) console.log(`cpu profile: ${path.relative(process.cwd(), profile)}`);
  for (const missing of ctx.artifacts.missingProfiles) console.log(`cpu profile MISSING: the worker of ${missing} wrote none`);
  const json = `${JSON.stringify(output, null, 2)}\n`;
  const runResults = path.join(ctx.runDir, 'results.json');
  writeFileSync(runResults, json);
  if (interrupted) {
    // A partial run must not replace the last complete results.
    console.log(`\ninterrupted: results so far in ${path.relative(process.cwd(), runResults)}; ${path.relative(process.cwd(), RESULTS_FILE)} left as it was`);
    return 130;
  }
  writeFileSync(RESULTS_FILE, json);
  console.log(
    `\n${scenarios.length} scenario(s) in ${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s; results in ` +
      `${path.relative(process.cwd(), RESULTS_FILE)}`,
  );
  return scenarios.some((r) => r.error) || ctx.artifacts.missingProfiles.length > 0 ? 1 : 0;
}

/**
 * Compiles the service (`npm run build`): the worker under test runs `dist/src/main.js`, as the
 * Docker image does. Under tsx, the loader's transpile cache and source maps add their own memory
 * and start-up time to every figure.
 */
function buildService(): void {
  const started = Date.now();
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  console.log(`built the service into dist/ (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function bench(options: BenchOptions, argv: string[]): Promise<number> {
  const startedAt = Date.now();
  const env = loadEnv();
  await ensureKafka(env.KAFKA_BROKERS.join(','));
  buildService();
  const events = checkBenchEvents();
  const ctx = await createContext(options, env);
  let interrupted = false;
  process.once('SIGINT', () => {
    // Stop the workers now; the scenario in progress then fails and the run ends through the same cleanup.
    interrupted = true;
    ctx.log('interrupted: stopping workers, deleting topics and keys… (Ctrl-C again to quit at once)');
    void ctx.cleanup();
  });
  const machine = machineInfo(commandLine(argv), await redisVersion(ctx));
  ctx.log(`run ${ctx.runId}: ${options.only.join(', ')}; ${options.repeats} repeats of at least ${options.seconds} s; logs in ${ctx.runDir}`);
  ctx.log(`events: ${events.eventBytes} bytes as JSON (payload ${events.payloadBytes} bytes)`);
  if (machine.git.uncommittedInSrc.length)
    ctx.log(`note: src/ has uncommitted changes; the figures are of the working tree, not of ${machine.git.commit.slice(0, 12)}`);
  const scenarios = await runAll(ctx, () => interrupted);
  const cleanupProblems = await ctx.cleanup();
  const totalSeconds = Math.round((Date.now() - startedAt) / 1000);
  return report(
    ctx,
    { runId: ctx.runId, machine, options, events, totalSeconds, scenarios, notes: ctx.notes, artifacts: ctx.artifacts, cleanupProblems },
    interrupted,
  );
}

function main(): void {
  ignoreTimeoutNegativeWarning();
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  bench(options, argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}

requireSupportedNode();
main();
