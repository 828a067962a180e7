import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { startCountingSmtpSink, type CountingSmtpSink } from '../../../bench/counting-smtp-sink';
import { BenchFailure } from '../../../bench/results';
import { alive } from '../../../scripts/kafka-stack';

/*
 * The sink is a real SMTP server in a process of its own (bench/smtp-sink-process.ts): these tests
 * fork it and talk SMTP to it on loopback. No broker, no Redis; about a second.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sink-'));
const started: CountingSmtpSink[] = [];
const start = async (name: string) => {
  const sink = await startCountingSmtpSink({ name, logFile: path.join(dir, `${name}.log`) });
  started.push(sink);
  return sink;
};
afterAll(() => Promise.all(started.map((s) => s.close())));

describe('the counting SMTP sink', () => {
  it('counts what it accepted, and when the last arrived', async () => {
    const sink = await start('counts');
    expect(await sink.count()).toBe(0);
    expect(await sink.lastAcceptedAt()).toBe(0);
    const transport = nodemailer.createTransport({ url: sink.url });
    const before = Date.now();
    for (const n of [1, 2]) await transport.sendMail({ from: 'bench@example.com', to: `u${n}@example.com`, subject: 's', text: 'body' });
    transport.close();
    expect(await sink.count()).toBe(2);
    expect(await sink.lastAcceptedAt()).toBeGreaterThanOrEqual(before);
    expect(sink.pid).not.toBe(process.pid);
  });

  it('is a process that close() stops', async () => {
    const sink = await start('closed');
    await sink.close();
    expect(alive(sink.pid)).toBe(false);
    await expect(sink.count()).rejects.toThrow('closed was closed');
  });

  it('fails the count with a BenchFailure naming it when its process dies', async () => {
    const sink = await start('the SMTP sink of crashed');
    process.kill(sink.pid, 'SIGKILL');
    while (alive(sink.pid)) await new Promise((r) => setTimeout(r, 20));
    const failure = sink.count();
    await expect(failure).rejects.toBeInstanceOf(BenchFailure);
    await expect(failure).rejects.toThrow(/^the SMTP sink of crashed exited \(code null, signal SIGKILL\)/);
  });
});
