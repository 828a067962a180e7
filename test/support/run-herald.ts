import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseConfig } from '../../src/config/load-config';
import type { HeraldConfigInput } from '../../src/config/schema';
import { writeConfigFile } from './child-service';
import { TEST_BROKERS, TEST_REDIS_URL, uniqueName } from './infra';
import { startTestService, type TestService } from './service-harness';

const root = path.resolve(__dirname, '../..');

/** What one `herald` run printed and how it exited. */
export interface HeraldRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `herald` CLI (bin/herald.js) as its own process, with test defaults for Kafka and
 * Redis under `env`, and resolves once it exited.
 */
export function runHerald(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<HeraldRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/herald.js'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: TEST_BROKERS.join(','), REDIS_URL: TEST_REDIS_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`herald ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts herald for a CLI test on topics of its own (`<name>.incoming`, `.dlq`, `.status`, `.bulk`)
 * and writes the same config to a file, so `cliEnv` points the CLI at exactly what the service
 * uses: config, Redis prefix and consumer group.
 */
export async function startHeraldForCli(
  label: string,
  overrides: HeraldConfigInput,
  env: Record<string, string> = {},
): Promise<{ herald: TestService; cliEnv: Record<string, string>; name: string }> {
  const name = uniqueName(label);
  const input: HeraldConfigInput = {
    ...overrides,
    kafka: { ...overrides.kafka, topics: { incoming: `${name}.incoming`, dlq: `${name}.dlq`, status: `${name}.status`, bulk: `${name}.bulk` } },
  };
  const herald = await startTestService({ config: parseConfig(input), env });
  return { herald, name, cliEnv: { HERALD_CONFIG: writeConfigFile(input), HERALD_REDIS_PREFIX: herald.prefix, KAFKA_GROUP_ID: herald.env.KAFKA_GROUP_ID } };
}
