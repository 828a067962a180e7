/**
 * The run's workers: real service processes (chaos/worker-main.ts) in fixed slots. A killed
 * worker's slot gets a new process; each process logs to a file of its own.
 */
import path from 'node:path';
import { startWorker, type WorkerProcess } from '../bench/worker-process';
import type { Lane } from '../src/config/env';

const root = path.resolve(__dirname, '..');

export interface WorkerPool {
  /** Every log file written so far, one per process. */
  logs: string[];
  /** Epoch ms of every SIGKILL. */
  kills: number[];
  /** Starts a worker in `slot` and resolves once it has joined both consumer groups. */
  start(slot: number): Promise<void>;
  /** SIGKILLs a ready worker picked with `random` and starts a new one in its slot (not awaited); null when none is ready. */
  killOne(random: () => number): Promise<{ slot: number; pid: number } | null>;
  /** Resolves once every restart begun has ended (ready or failed, logged by `log`). */
  restarted(): Promise<void>;
  /** SIGTERM to every worker, side by side, each given its shutdown time. */
  stopAll(): Promise<void>;
  /** SIGKILL to every worker: the run failed. */
  killAll(): Promise<void>;
}

/**
 * `laneOf(slot)` gives a slot's HERALD_LANES (a restart keeps its slot's lanes); without it every
 * worker consumes both lanes.
 */
export function createWorkerPool(env: Record<string, string>, logDir: string, log: (text: string) => void, laneOf?: (slot: number) => Lane): WorkerPool {
  const workers: (WorkerProcess | null)[] = [];
  const logs: string[] = [];
  const kills: number[] = [];
  const restarts: Promise<void>[] = [];
  const start = async (slot: number) => {
    const logFile = path.join(logDir, `worker-${slot}-${logs.length}.log`);
    logs.push(logFile);
    const lanes: Record<string, string> = laneOf ? { HERALD_LANES: laneOf(slot) } : {};
    workers[slot] = await startWorker({
      env: { ...env, ...lanes },
      logFile,
      args: ['--import', 'tsx', path.join(root, 'chaos/worker-main.ts')],
      readyTimeoutMs: 120_000,
    });
  };
  return {
    logs,
    kills,
    start,
    async killOne(random) {
      const ready = workers.flatMap((w, slot) => (w ? [{ w, slot }] : []));
      const victim = ready[Math.floor(random() * ready.length)];
      if (!victim) return null;
      workers[victim.slot] = null;
      await victim.w.kill();
      kills.push(Date.now());
      restarts.push(start(victim.slot).catch((error: unknown) => log(`worker ${victim.slot} failed to restart: ${(error as Error).message}`)));
      return { slot: victim.slot, pid: victim.w.pid };
    },
    restarted: async () => void (await Promise.all(restarts)),
    stopAll: async () => void (await Promise.all(workers.map((w) => w?.stop()))),
    killAll: async () => void (await Promise.all(workers.map((w) => w?.kill()))),
  };
}
