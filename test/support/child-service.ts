import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HeraldConfigInput } from '../../src/config/schema';
import { TEST_BROKERS, TEST_REDIS_URL } from './infra';

const root = path.resolve(__dirname, '../..');

/** A herald running as its own process (`src/main.ts` under tsx), so tests can SIGKILL or SIGTERM it. */
export interface ChildService {
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Writes `config` to a temporary JSON file for HERALD_CONFIG. */
export function writeConfigFile(config: HeraldConfigInput): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'herald-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Starts `node --import tsx src/main.ts` with the given environment on top of test defaults. */
export function spawnService(env: Record<string, string>): ChildService {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: TEST_BROKERS.join(','),
      REDIS_URL: TEST_REDIS_URL,
      HTTP_PORT: '0',
      HERALD_API_KEYS: 'test-key',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, output: () => output, exited };
}

/**
 * Waits until `child` logged `lanes` "joined consumer group" lines. Fails at once if it exited, and either way the
 * error carries the end of what it printed, since a worker that never joins says why there.
 */
export async function waitForJoin(child: ChildService, timeoutMs = 45_000, lanes = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const tail = () => child.output().split('\n').slice(-25).join('\n');
  while (Date.now() < deadline) {
    if ((child.output().match(/joined consumer group/g) ?? []).length >= lanes) return;
    const { exitCode, signalCode } = child.process;
    if (exitCode !== null || signalCode !== null)
      throw new Error(`the worker exited (${exitCode ?? signalCode}) before joining its group; it printed:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the worker did not join its consumer group within ${timeoutMs} ms; it printed:\n${tail()}`);
}
