import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from '../scripts/kafka-stack';

const root = path.resolve(__dirname, '..');

/** Where and on what the bench ran, for results.json and BENCHMARKS.md. */
export interface MachineInfo {
  cpus: { model: string; count: number };
  totalMemoryMb: number;
  /** 1, 5 and 15 minute load averages when the bench started (the machine is shared). */
  loadAverage: number[];
  os: string;
  node: string;
  kafka: string;
  redis: string;
  git: { commit: string; branch: string; uncommittedInSrc: string[] };
  date: string;
  command: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The broker's Kafka version: from the jar of the local stack (scripts/kafka-stack.ts) when its
 * process is the one running, else the version the stack pins, marked unverified.
 */
function kafkaVersion(): string {
  const pidFile = path.join(root, '.herald-stack', 'kafka', 'kafka.pid');
  const libDir = path.join(root, 'stack', 'kafka', 'target', 'lib');
  if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8'))) && existsSync(libDir)) {
    const jar = readdirSync(libDir).find((f) => /^kafka_2\.13-[\d.]+\.jar$/.test(f));
    if (jar) return `${/kafka_2\.13-([\d.]+)\.jar/.exec(jar)?.[1]} (KRaft, single node, local stack)`;
  }
  const pinned = /<kafka\.version>([^<]+)</.exec(readFileSync(path.join(root, 'stack', 'kafka', 'pom.xml'), 'utf8'))?.[1];
  return `${pinned ?? 'unknown'} (unverified: the broker was not started by the local stack)`;
}

/** Machine, versions and code under test. `redisVersion` comes from the bench's own connection (INFO server). */
export function machineInfo(command: string, redisVersion: string): MachineInfo {
  const cpus = os.cpus();
  const porcelain = git(['status', '--porcelain', '--', 'src']);
  return {
    cpus: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    kafka: kafkaVersion(),
    redis: redisVersion,
    git: {
      commit: git(['rev-parse', 'HEAD']),
      branch: git(['rev-parse', '--abbrev-ref', 'HEAD']),
      uncommittedInSrc: porcelain === 'unknown' || porcelain === '' ? [] : porcelain.split('\n'),
    },
    date: new Date().toISOString(),
    command,
  };
}
