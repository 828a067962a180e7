import { connect, type Socket } from 'node:net';

/** One TCP connection to a server, driven byte by byte the way a slow or hostile client would. */
export interface RawClient {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Whether the server closed the connection (or it broke). */
  isClosed(): boolean;
  /** Resolves, with ms since connect, once the connection closed; rejects if it is still open after `withinMs`. */
  closedWithin(withinMs: number): Promise<number>;
  /** Resolves with the next complete answer the server sent (`Content-Length` bodies only), or what came before a close. */
  answer(withinMs: number): Promise<string>;
  /** Sends `chunk` every `everyMs` until the connection closes or `stop()` is called. */
  drip(chunk: string, everyMs: number): { stop(): void };
  destroy(): void;
}

/** Opens a connection to `port` on 127.0.0.1 and resolves once it is established. */
export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  const openedAt = Date.now();
  let text = '';
  /** How much of `text` earlier answers took. */
  let answered = 0;
  let closedAt: number | null = null;
  const closeWaiters: (() => void)[] = [];
  const dataWaiters: (() => void)[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const wake of dataWaiters.splice(0)) wake();
  });
  // A reset is a close too: the server dropped the connection.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAt = Date.now();
    for (const wake of [...closeWaiters.splice(0), ...dataWaiters.splice(0)]) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  /** Waits until `done()` holds, waking on every event of `waiters`; rejects with `what` after `withinMs`. */
  function until<T>(done: () => T | undefined, waiters: (() => void)[], withinMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} within ${withinMs} ms; received so far: ${JSON.stringify(text.slice(0, 200))}`)), withinMs);
      const check = () => {
        const value = done();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (closedAt === null || waiters !== closeWaiters) waiters.push(check);
      };
      check();
    });
  }

  return {
    socket,
    received: () => text,
    isClosed: () => closedAt !== null,
    closedWithin: (withinMs) =>
      until(() => (closedAt === null ? undefined : closedAt - openedAt), closeWaiters, withinMs, 'the server did not close the connection'),
    answer: (withinMs) =>
      until(
        () => {
          const rest = text.slice(answered);
          const head = rest.indexOf('\r\n\r\n');
          const length = /\r\ncontent-length: *(\d+)/i.exec(rest.slice(0, head));
          if (head < 0 || !length) return closedAt === null ? undefined : rest;
          const end = head + 4 + Number(length[1]);
          if (rest.length < end) return undefined;
          answered += end;
          return rest.slice(0, end);
        },
        dataWaiters,
        withinMs,
        'no complete answer',
      ),
    drip(chunk, everyMs) {
      const timer = setInterval(() => (closedAt === null ? socket.write(chunk) : clearInterval(timer)), everyMs);
      return { stop: () => clearInterval(timer) };
    },
    destroy: () => socket.destroy(),
  };
}
