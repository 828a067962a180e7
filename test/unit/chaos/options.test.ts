import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const chaos = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'chaos/run.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('npm run chaos options', () => {
  it('refuses a workload too short for the chaos schedule before starting anything, saying how many events it needs', () => {
    const run = chaos('--events', '2000');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '[chaos] --events 2000 at --rate 160 is 13 s of production; the chaos schedule needs 85 s of traffic, so give at least 13600 events',
    );
    expect(run.stdout).not.toContain('starting Kafka');
  });

  it('refuses a count that is not a positive integer', () => {
    const run = chaos('--workers', '0');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('[chaos] --workers must be a positive integer');
  });

  it('refuses --split-lanes with one worker, which cannot consume both lanes split', () => {
    const run = chaos('--split-lanes', '--workers', '1');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('[chaos] --split-lanes needs --workers 2 or more: one worker per lane at least');
    expect(run.stdout).not.toContain('starting Kafka');
  });
});
