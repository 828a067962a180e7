import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ignoreTimeoutNegativeWarning } from '../kafka/ignore-timeout-warning';
import { requireSupportedNode } from '../shared/node-version';
import { escapeControlsKeepingLines } from '../shared/control-chars';
import { EXIT } from './cli-error';
import { registerBreakers } from './commands/breakers';
import { registerConfigCheck } from './commands/config-check';
import { registerDlqList } from './commands/dlq-list';
import { registerDlqReplay } from './commands/dlq-replay';
import { registerDlqShow } from './commands/dlq-show';
import { registerLag } from './commands/lag';
import { registerStatus } from './commands/status';
import type { CliContext } from './cli-context';
import { runCommand, type Output } from './run-command';

const EXIT_CODES_HELP = `
Exit codes: 0 done; 1 a problem found (invalid config, open breaker, a replay that failed again);
2 usage error; 3 not found (no such letter or event, nothing matched); 4 Kafka or Redis unreachable.

Connections and names come from the same environment as the service: KAFKA_BROKERS, KAFKA_GROUP_ID,
REDIS_URL, HERALD_REDIS_PREFIX and HERALD_CONFIG (topics are read from the config).`;

function version(): string {
  // dist/src/cli or src/cli: package.json is at the root either way.
  for (const up of ['../../..', '../..']) {
    try {
      return (JSON.parse(readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      /* try the next */
    }
  }
  return 'unknown';
}

/** The `herald` program; `exit` receives each command's exit code. */
export function buildProgram(exit: (code: number) => void, now: () => number = Date.now): Command {
  const program = new Command('herald')
    .description('on-call tooling for herald: dead letters, delivery status, breakers, consumer lag, config checks')
    .version(version())
    .option('--config <file>', 'config file (default HERALD_CONFIG, else config/notification-config.ts)')
    // commander's own errors quote the arguments as typed: escaped like every other line.
    .configureOutput({ writeErr: (text) => process.stderr.write(escapeControlsKeepingLines(text)) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  const run = async (body: (ctx: CliContext, io: Output) => Promise<number | void>) => exit(await runCommand(program.opts(), body));
  const dlq = program.command('dlq').description('dead letters on the DLQ topic: list, show, replay');
  registerDlqList(dlq, run, now);
  registerDlqShow(dlq, run);
  registerDlqReplay(dlq, run, now);
  registerStatus(program, run);
  registerBreakers(program, run);
  registerLag(program, run);
  registerConfigCheck(program, run);
  for (const command of [program, dlq, ...program.commands, ...dlq.commands]) command.exitOverride();
  return program;
}

/** Runs `herald` with the process's arguments and exits with the command's code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  requireSupportedNode();
  ignoreTimeoutNegativeWarning();
  // `herald dlq list | head`: the reader closing the pipe ends the command quietly, not with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? EXIT.ok);
    });
  }
  let code: number = EXIT.ok;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end "with an error" in commander's override; they are not failures.
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    code = benign ? EXIT.ok : EXIT.usage;
  }
  process.exitCode = code;
}

if (require.main === module) {
  void main();
}
