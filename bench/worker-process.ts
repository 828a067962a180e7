import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processCpuMs } from './proc-stat';
import { BenchFailure } from './results';

const root = path.resolve(__dirname, '..');

/** How the worker under test is started. */
export interface WorkerSpec {
  /** Its environment, complete: nothing is inherited from the bench's. */
  env: Record<string, string>;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Set to start it with `--cpu-prof`, writing the profile here on exit. */
  profileDir?: string;
  /** Longest wait for it to listen and join both consumer groups, in ms. Default 90000. */
  readyTimeoutMs?: number;
  /** What node runs after the service's flags. Default the compiled service, `dist/src/main.js`. */
  args?: string[];
}

/** The real service (`node dist/src/main.js`) running as a child process. */
export interface WorkerProcess {
  pid: number;
  /** Base URL of its HTTP API (metrics, readiness). */
  url: string;
  logFile: string;
  /** Peak resident set size since start or the last {@link resetPeak}, in MB (VmHWM). */
  peakRssMb(): number | null;
  /** Current resident set size, in MB (VmRSS). */
  rssMb(): number | null;
  /** Resets the peak (`echo 5 > /proc/<pid>/clear_refs`); false when the kernel refused. */
  resetPeak(): boolean;
  /** CPU time (user + system, all its threads) it has used since it started, ms (/proc/<pid>/stat); null when unreadable. */
  cpuMs(): number | null;
  /** Throws a BenchFailure if the worker has exited. */
  assertAlive(): void;
  /** SIGKILL (a crash: nothing finished, nothing committed), resolved once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for it to exit (SIGKILL after 30 s). Returns the exit and, with profiling, the profile written. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; profile?: string }>;
}

function procMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The last `lines` lines of a file, for failure messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The URL from the worker's `herald started` log line, once it is there. */
function startedUrl(logFile: string): string | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"herald started"')) continue;
    const port = /"url":"https?:\/\/[^:"]+:(\d+)/.exec(line)?.[1];
    if (port) return `http://127.0.0.1:${port}`;
  }
  return null;
}

async function waitReady(child: ChildProcess, spec: WorkerSpec, exited: () => boolean): Promise<string> {
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 90_000);
  let url: string | null = null;
  while (Date.now() < deadline) {
    if (exited()) throw new BenchFailure(`the worker exited during start-up (code ${child.exitCode}); its log ${spec.logFile} ends:\n${tail(spec.logFile)}`);
    url ??= startedUrl(spec.logFile);
    // /readyz is 200 only once Kafka and Redis answer and both lanes have joined their groups.
    if (
      url &&
      (await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      ))
    )
      return url;
    await sleep(200);
  }
  throw new BenchFailure(
    `the worker was not ready (listening, both consumer groups joined) within ${(spec.readyTimeoutMs ?? 90_000) / 1000} s; its log ${spec.logFile} ` +
      `ends:\n${tail(spec.logFile)}`,
  );
}

/**
 * The Node flags `npm start` runs the service with (its heap limits), read from package.json so the
 * bench measures the worker as it is deployed (to try other flags, change them there).
 */
export function serviceNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const start = /^node((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(scripts.start ?? '');
  if (!start)
    throw new BenchFailure(
      `package.json's start script is not "node [--flags] dist/src/main.js" (it is ${JSON.stringify(scripts.start)}); the bench ` +
        `runs the worker the way it does`,
    );
  return start[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Starts the worker and resolves once /readyz says it has joined both consumer groups. */
export async function startWorker(spec: WorkerSpec): Promise<WorkerProcess> {
  const out = openSync(spec.logFile, 'a');
  const profileArgs = spec.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`] : [];
  // The compiled service, as the image runs it (bench/run.ts builds it first).
  const child = spawn(process.execPath, [...profileArgs, ...serviceNodeFlags(), ...(spec.args ?? [path.join(root, 'dist/src/main.js')])], {
    cwd: root,
    env: spec.env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const pid = child.pid!;
  let url: string;
  try {
    url = await waitReady(child, spec, () => exit !== null);
  } catch (error) {
    if (!exit) child.kill('SIGKILL');
    throw error;
  }
  return {
    pid,
    url,
    logFile: spec.logFile,
    peakRssMb: () => procMb(pid, 'VmHWM'),
    rssMb: () => procMb(pid, 'VmRSS'),
    cpuMs: () => processCpuMs(pid),
    resetPeak() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    assertAlive() {
      if (exit)
        throw new BenchFailure(`the worker crashed (exit code ${exit.code}, signal ${exit.signal}); its log ${spec.logFile} ends:\n${tail(spec.logFile)}`);
    },
    async kill() {
      if (!exit) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!exit) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const result = await exited;
      clearTimeout(killer);
      if (!spec.profileDir) return result;
      // Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile.
      const profile = existsSync(spec.profileDir) ? readdirSync(spec.profileDir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile')) : undefined;
      return { ...result, profile: profile && path.join(spec.profileDir, profile) };
    },
  };
}
