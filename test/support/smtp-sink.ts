import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A message the sink accepted: the client was told 250 OK. */
export interface SinkMessage {
  to: string[];
  raw: string;
  messageId: string | undefined;
}

/**
 * A real SMTP server on a random local port. `hold(address)` makes messages to that address wait
 * (connection open, no reply) until `release()`. A held message is recorded as accepted only on
 * release; tests that kill the client release after the kill and then count what a restarted
 * worker sent, so a held message appears once only if the client never resends it.
 * `refuse(address, code, times)` answers RCPT TO for that address with `code` (e.g. 451, 550)
 * the next `times` times, quoting the address in the reply as real servers do.
 */
export async function startSmtpSink() {
  const accepted: SinkMessage[] = [];
  const held = new Set<string>();
  const refusals = new Map<string, { code: number; left: number }>();
  const rcptAttempts = new Map<string, number>();
  let waiting = 0;
  // Resolves with true (accept) or the SMTP code to refuse with.
  let releaseHeld: (outcome: true | number) => void = () => undefined;
  let released = new Promise<true | number>((resolve) => (releaseHeld = resolve));

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcptAttempts.set(address.address, (rcptAttempts.get(address.address) ?? 0) + 1);
      const refusal = refusals.get(address.address);
      if (!refusal || refusal.left <= 0) return callback();
      refusal.left--;
      callback(Object.assign(new Error(`mailbox <${address.address}> refused by the test sink`), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const raw = Buffer.concat(chunks).toString('utf8');
        const accept = () => {
          accepted.push({ to, raw, messageId: /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim() });
          callback();
        };
        if (!to.some((a) => held.has(a))) return accept();
        waiting++;
        void released.then((outcome) => {
          waiting--;
          if (outcome === true) accept();
          else callback(Object.assign(new Error('held message abandoned'), { responseCode: outcome }));
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    /** Messages to `address` wait until release(). */
    hold: (address: string) => held.add(address),
    /** Lets every held message through (accepted), or with `accept=false` answers them `code` (default 451) and forgets them. */
    release: (accept = true, code = 451) => {
      held.clear();
      releaseHeld(accept ? true : code);
      released = new Promise<true | number>((resolve) => (releaseHeld = resolve));
    },
    /** Answers RCPT TO for `address` with `code` the next `times` times (default: always). */
    refuse: (address: string, code: number, times = Infinity) => refusals.set(address, { code, left: times }),
    /** How many times a client asked to send to `address` (RCPT TO), accepted or not. */
    rcptAttempts: (address: string) => rcptAttempts.get(address) ?? 0,
    /** How many accepted messages were addressed to `address`. */
    countTo: (address: string) => accepted.filter((m) => m.to.includes(address)).length,
    /** Messages held right now. */
    waitingCount: () => waiting,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
