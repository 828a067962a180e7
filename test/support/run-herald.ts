import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_BROKERS, TEST_REDIS_URL } from './infra';

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
