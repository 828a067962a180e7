import path from 'node:path';
import type { Command } from 'commander';
import { readConfigFile } from '../../config/load-config';
import { configProblems } from '../../service/load-config';
import { formatConfigProblem } from '../../config/config-problems';
import bundledConfig from '../../../config/notification-config';
import { messageOf } from '../../shared/errors';
import { escapeControls } from '../../shared/control-chars';
import type { CliContext } from '../cli-context';
import { line } from '../format-table';
import { countOf } from '../../shared/count-of';
import { CliError, EXIT } from '../cli-error';
import type { Output } from '../run-command';

/** `herald config check [file]`. */
export function registerConfigCheck(program: Command, run: (body: (ctx: CliContext, io: Output) => Promise<number | void>) => Promise<void>): void {
  const config = program.command('config').description('the notification config (config/notification-config.ts)');
  config
    .command('check')
    .description('validates a config file and prints every problem with its path and a fix; the service refuses to start on the same problems')
    .argument('[file]', 'a .ts/.js module (default export) or a .json file; default HERALD_CONFIG, else config/notification-config.ts')
    .addHelpText('after', '\nExit code 0 when valid, 1 when not.\n\nExamples:\n  herald config check\n  herald config check ./my-config.ts')
    .action(async (file: string | undefined) =>
      run(async (ctx, io) => {
        const chosen = file ?? ctx.env().HERALD_CONFIG;
        const name = chosen ? path.resolve(chosen) : 'config/notification-config.ts';
        let raw: unknown = bundledConfig;
        if (chosen) {
          try {
            raw = await readConfigFile(path.resolve(chosen));
          } catch (error) {
            throw new CliError(line`cannot load ${name}: ${messageOf(error)}; check the path (a .ts, .js or .json file)`, EXIT.problem);
          }
        }
        const { config: valid, problems } = configProblems(raw);
        if (valid) {
          io.out(
            line`${name} is valid: ${countOf(Object.keys(valid.templates).length, 'template')}, ${countOf(
              valid.batching.rules.length,
              'digest rule',
            )}, topics ${valid.kafka.topics.incoming} / ${valid.kafka.topics.status} / ${valid.kafka.topics.dlq}`,
          );
          return EXIT.ok;
        }
        io.out(line`${name} has ${countOf(problems.length, 'problem')}:`);
        // One problem per line: a key of the file holding a line break must not start a line of its own.
        for (const p of problems) io.out(formatConfigProblem({ path: escapeControls(p.path), problem: escapeControls(p.problem), fix: escapeControls(p.fix) }));
        io.out('Fix them and run "herald config check" again; docs/configuration.md documents every field and its default.');
        return EXIT.problem;
      }),
    );
}
