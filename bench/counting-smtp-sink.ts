import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { BenchFailure } from './results';
import { tail } from './worker-process';

const root = path.resolve(__dirname, '..');
const PROGRAM = path.join(__dirname, 'smtp-sink-process.ts');

/** What the bench asks the sink process (bench/smtp-sink-process.ts) over IPC. */
export type SinkRequest = { type: 'stats'; id: number };
/** What the sink process says: its port once listening, then one answer per request. */
export type SinkReply = { type: 'listening'; port: number } | SinkStats;
/** The sink's counts, as of one query. */
export type SinkStats = { type: 'stats'; id: number; accepted: number; lastAt: number };

/** The bench's email receiver: counts what it accepted, keeps nothing else. */
export interface CountingSmtpSink {
  /** SMTP_URL for the worker. */
  url: string;
  /** The sink process. */
  pid: number;
  /** Messages accepted so far (the client was told 250 OK). @throws BenchFailure if the sink process is gone. */
  count(): Promise<number>;
  /** Epoch ms of the last accepted message, 0 before the first. @throws BenchFailure if the sink process is gone. */
  lastAcceptedAt(): Promise<number>;
  /** Stops the sink process (SIGTERM, SIGKILL after 5 s); resolved once it has exited. */
  close(): Promise<void>;
}

/** How the sink is started. */
export interface SinkSpec {
  /** Who it belongs to, for failure messages: e.g. `the SMTP sink of throughput`. */
  name: string;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Longest wait for it to listen, and for the answer to a query, ms. Default 15000. */
  timeoutMs?: number;
}

/**
 * Forks bench/smtp-sink-process.ts (under tsx, like the bench) and resolves once it listens on a
 * random local port. The sink is a process of its own, so its CPU competes neither with the load
 * generator nor with the worker. It dies with the bench: close() stops it, the bench's exit kills
 * it, and it exits by itself when its IPC channel to the bench closes.
 */
export async function startCountingSmtpSink(spec: SinkSpec): Promise<CountingSmtpSink> {
  const timeoutMs = spec.timeoutMs ?? 15_000;
  const out = openSync(spec.logFile, 'a');
  const child = fork(PROGRAM, [], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', out, out, 'ipc'] });
  closeSync(out);
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const channel = statsChannel(child, spec.name, timeoutMs);
  let closing = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      const how = closing ? 'was closed' : `exited (code ${code}, signal ${signal})`;
      channel.fail(new BenchFailure(`${spec.name} ${how} while the bench still counted on it; its log ${spec.logFile} ends:\n${tail(spec.logFile)}`));
      resolve();
    }),
  );
  let port: number;
  try {
    port = await listening(child, spec, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let closed: Promise<void> | null = null;
  return {
    url: `smtp://127.0.0.1:${port}`,
    pid: child.pid!,
    count: async () => (await channel.ask()).accepted,
    lastAcceptedAt: async () => (await channel.ask()).lastAt,
    close() {
      closed ??= (async () => {
        closing = true;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      })();
      return closed;
    },
  };
}

/** The sink's port, once it says it listens. @throws BenchFailure if it exits or stays silent first. */
function listening(child: ChildProcess, spec: SinkSpec, timeoutMs: number): Promise<number> {
  const failure = (what: string) => new BenchFailure(`${spec.name} ${what}; its log ${spec.logFile} ends:\n${tail(spec.logFile)}`);
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(failure(`did not listen within ${timeoutMs / 1000} s`)), timeoutMs);
    child.on('message', (message: SinkReply) => {
      if (message.type !== 'listening') return;
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(failure(`exited during start-up (code ${code}, signal ${signal})`));
    });
  });
}

/** Stats queries to the sink process, each answered by its id; once `fail` is called, every query (pending or new) fails with its error. */
function statsChannel(child: ChildProcess, name: string, timeoutMs: number) {
  const pending = new Map<number, { resolve: (stats: SinkStats) => void; reject: (error: Error) => void }>();
  let next = 0;
  let failure: Error | null = null;
  child.on('message', (message: SinkReply) => {
    if (message.type === 'stats') pending.get(message.id)?.resolve(message);
  });
  return {
    fail(error: Error) {
      failure ??= error;
      for (const waiter of pending.values()) waiter.reject(failure);
    },
    ask(): Promise<SinkStats> {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<SinkStats>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            settle.reject(new BenchFailure(`${name} did not answer a count query within ${timeoutMs / 1000} s (pid ${child.pid}); is the machine overloaded?`)),
          timeoutMs,
        );
        const done = () => (clearTimeout(timer), pending.delete(id));
        const settle = { resolve: (stats: SinkStats) => (done(), resolve(stats)), reject: (error: Error) => (done(), reject(error)) };
        pending.set(id, settle);
        child.send({ type: 'stats', id } satisfies SinkRequest, (error) => {
          if (error) settle.reject(failure ?? new BenchFailure(`${name} could not be asked for its count (${error.message}): has it exited?`));
        });
      });
    },
  };
}
