/**
 * The bench's SMTP sink, as a process of its own: forked by bench/counting-smtp-sink.ts for every
 * stage, so the sink's CPU is neither the load generator's (the bench process) nor the worker's.
 * A real SMTP server on a random local port (authOptional, no STARTTLS, as test/support/smtp-sink.ts)
 * that counts what it accepted: message bodies are read and dropped, so a bench of a million emails
 * does not hold them in memory. It reports its port, then answers count queries, over IPC.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SinkReply, SinkRequest } from './counting-smtp-sink';

const send = process.send?.bind(process);
if (!send) throw new Error('bench/smtp-sink-process.ts is started by the bench over IPC (bench/counting-smtp-sink.ts); run npm run bench instead');
const reply = (message: SinkReply) => send(message);

let accepted = 0;
let lastAt = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      accepted++;
      lastAt = Date.now();
      callback();
    });
    stream.resume();
  },
});
server.on('error', (error) => {
  // Written to the sink's log, which the bench quotes when it reports the sink gone.
  console.error(`smtp sink: ${error.stack ?? error.message}`);
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => reply({ type: 'listening', port: (server.server.address() as AddressInfo).port }));

process.on('message', (message: SinkRequest) => {
  if (message.type === 'stats') reply({ type: 'stats', id: message.id, accepted, lastAt });
});
// The bench is gone (it exited, or was killed without a chance to clean up): so is its sink.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the bench stops its sinks itself, after the workers, so a
// worker still sending during the cleanup does not see the sink vanish first.
process.on('SIGINT', () => undefined);
