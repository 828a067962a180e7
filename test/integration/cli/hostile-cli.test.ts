import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { createKeys } from '../../../src/redis/keys';
import { eventually, TEST_BROKERS, testKafka, testRedis, uniqueName } from '../../support/infra';
import { readWholeTopic } from '../../support/read-topic';
import { runHerald, startHeraldForCli, type HeraldRun } from '../../support/run-herald';
import { api, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deliveryReaching } from '../failures/failure-support';

/** Every control and bidi character but the CLI's own line feed: none may reach the terminal raw. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** What a hostile id does on a terminal: clear the screen, set the window title, reverse the line, forge a line of its own. */
const tag = uniqueName('x');
const EVENT = `evt\x1b[2J\x1b]0;owned\x07\u202egnp.exe\x9b31m\x7f\nforged line ${tag}`;
const EVENT_SHOWN = `evt\\x1b[2J\\x1b]0;owned\\x07\\u202egnp.exe\\u009b31m\\u007f\\x0aforged line ${tag}`;
const STRANGER = `who\x1b[31m\u2066${tag}`;
const STRANGER_SHOWN = `who\\x1b[31m\\u2066${tag}`;
const INVALID_ID = `bad\x1b[2J\u202eid-${tag}`;

function expectNoRawControls(run: HeraldRun): void {
  const found = RAW.exec(run.stdout + run.stderr);
  expect(found ? `raw U+${found[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(run.stdout + run.stderr)}` : 'none').toBe('none');
}

/**
 * The on-call CLI as real processes against the real broker and Redis, on letters, records and
 * heartbeats whose ids carry terminal escapes and bidi overrides (finding 8), and whose payloads,
 * keys and ids carry addresses (finding 9).
 */
describe('herald prints hostile values escaped, and addresses only with --reveal', () => {
  let herald: TestService;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let cliEnv: Record<string, string>;
  const ids = { hostile: '', email: '', invalid: '', keyed: '' };
  const users = { refused: uniqueName('refused'), emailId: `${uniqueName('dave')}@example.com` };
  let emailEvent = '';
  const herald$ = (args: string[], env: Record<string, string> = {}) => runHerald(args, { ...cliEnv, ...env });

  beforeAll(async () => {
    smtp = await startSmtpSink();
    ({ herald, cliEnv } = await startHeraldForCli('hostile', { kafka: { partitions: 1 } }, { SMTP_URL: smtp.url }));
    for (const id of Object.values(users)) {
      expect(
        (await api(herald.service, 'PUT', `/api/users/${encodeURIComponent(id)}`, { email: `mailbox-${id.replace('@', '-at-')}@example.com` })).status,
      ).toBe(200);
      smtp.refuse(`mailbox-${id.replace('@', '-at-')}@example.com`, 550);
    }
    const producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    const payload = { title: 'Your receipt', message: 'Paid 12.50', name: 'Carol Jones', contact: 'carol@example.com', link: 'https://shop.test/r?token=abc' };
    await producer.publish({
      id: EVENT,
      type: 'transactional',
      priority: 'high',
      category: `cat\x1b[2J${tag}`,
      recipients: [users.refused, STRANGER],
      channels: ['email'],
      payload,
    });
    emailEvent = (await producer.publish({ type: 'transactional', priority: 'high', recipients: [users.emailId], channels: ['email'], payload })).id;
    await producer.disconnect();
    const raw = new Kafka({ brokers: TEST_BROKERS, clientId: uniqueName('raw') }).producer();
    await raw.connect();
    await raw.send({
      topic: herald.config.kafka.topics.incoming,
      messages: [
        { key: 'email:bob@example.com', value: JSON.stringify({ id: INVALID_ID, to: 'erin@example.com', phone: '+14155550199' }) },
        { key: 'phone:+14155550123', value: JSON.stringify({ id: 'frank@example.com' }) },
      ],
    });
    await raw.disconnect();
    // Encoded: a URL loses its line feeds and tabs otherwise.
    await deliveryReaching(herald.service, encodeURIComponent(EVENT), 'email', 'dead-lettered');
    await deliveryReaching(herald.service, emailEvent, 'email', 'dead-lettered');
    const letters = await eventually(async () => {
      const all = await readWholeTopic(herald.config.kafka.topics.dlq);
      return all.length >= 4 ? all : undefined;
    }, 'four dead letters');
    for (const m of letters) {
      const letter = m.value as { kind: string; event?: { id: string }; source?: { key: string } };
      const id = `${m.partition}:${m.offset}`;
      if (letter.event?.id === EVENT) ids.hostile = id;
      else if (letter.event?.id === emailEvent) ids.email = id;
      else if (letter.source?.key === 'email:bob@example.com') ids.invalid = id;
      else if (letter.source?.key === 'phone:+14155550123') ids.keyed = id;
    }
    expect(Object.values(ids).every(Boolean)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await herald?.stop();
    await smtp?.close();
  });

  // The row whose letter column is `id` (`partition:offset`): a substring match found `0:2` in a time such as 20:25:31.
  const rowOf = (lines: string[], id: string) => lines.find((l) => l.split(/\s+/).includes(id));

  describe('control and bidi characters are printed escaped, visibly (finding 8)', () => {
    it('dlq list: the table shows the hostile event id escaped, on its own row; --json keeps the value', async () => {
      const run = await herald$(['dlq', 'list']);
      expect(run.code).toBe(0);
      expectNoRawControls(run);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(5);
      expect(rowOf(lines, ids.hostile)).toContain(EVENT_SHOWN);
      expect(rowOf(lines, ids.invalid)).toContain(`bad\\x1b[2J\\u202eid-${tag}`);
      const json = await herald$(['dlq', 'list', '--json', '-q']);
      expectNoRawControls(json);
      expect(
        json.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).eventId),
      ).toContain(EVENT);
    });

    it('dlq show: the summary and the letter show every hostile value escaped', async () => {
      for (const id of [ids.hostile, ids.invalid]) {
        const run = await herald$(['dlq', 'show', id]);
        expect(run.code).toBe(0);
        expectNoRawControls(run);
      }
      const shown = await herald$(['dlq', 'show', ids.hostile]);
      expect(shown.stdout).toContain(`  event      ${EVENT_SHOWN} (type transactional`);
      const revealed = await herald$(['dlq', 'show', ids.hostile, '--reveal']);
      expectNoRawControls(revealed);
      const json = await herald$(['dlq', 'show', ids.hostile, '--json', '--reveal']);
      expectNoRawControls(json);
      expect(JSON.parse(json.stdout)).toMatchObject({ event: { id: EVENT, category: `cat\x1b[2J${tag}` } });
    });

    it('status: the event line and the table of deliveries escape the event and recipient ids', async () => {
      const run = await herald$(['status', EVENT]);
      expect(run.code).toBe(0);
      expectNoRawControls(run);
      expect(run.stdout).toContain(`Event ${EVENT_SHOWN}`);
      expect(run.stdout).toMatch(new RegExp(`${STRANGER_SHOWN.replace(/[\\[\]]/g, '\\$&')}\\s+email\\s+failed`));
      const json = await herald$(['status', EVENT, '--json']);
      expectNoRawControls(json);
      expect(JSON.parse(json.stdout).deliveries.map((d: { recipientId: string }) => d.recipientId)).toContain(STRANGER);
    });

    it('error messages quoting an id escape it', async () => {
      const run = await herald$(['status', `nope\x1b[2J\u202e${tag}`]);
      expect(run.code).toBe(3);
      expectNoRawControls(run);
      expect(run.stderr).toContain(`no record of event nope\\x1b[2J\\u202e${tag}`);
      const usage = await herald$(['dlq', 'show', `0:\x1b[2J`]);
      expect(usage.code).toBe(2);
      expectNoRawControls(usage);
    });

    it('breakers: worker and provider names from Redis heartbeats are escaped', async () => {
      const redis = testRedis();
      try {
        const report = {
          owner: `worker\x1b[2J\u202e${tag}`,
          host: 'h',
          pid: 1,
          groupId: 'g',
          url: 'http://x',
          startedAt: new Date().toISOString(),
          seenAt: new Date().toISOString(),
          breakers: [{ channel: 'email', provider: `smtp\x1b[5m${tag}`, state: 'closed', since: new Date().toISOString() }],
        };
        await redis.redis.hset(createKeys(herald.prefix).workers(), report.owner, JSON.stringify(report));
        const run = await herald$(['breakers']);
        expectNoRawControls(run);
        expect(run.stdout).toContain(`smtp\\x1b[5m${tag}`);
        expect(run.stdout).toContain(`worker\\x1b[2J\\u202e${tag}`);
        const json = await herald$(['breakers', '--json']);
        expectNoRawControls(json);
        expect(
          json.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).worker),
        ).toContain(report.owner);
      } finally {
        await redis.redis.hdel(createKeys(herald.prefix).workers(), `worker\x1b[2J\u202e${tag}`);
        await redis.redis.quit();
      }
    });

    it('lag: a group name is escaped in the table and the totals', async () => {
      const run = await herald$(['lag', '--group', `grp\x1b[2J${tag}`]);
      expect(run.code).toBe(0);
      expectNoRawControls(run);
      expect(run.stderr).toContain(`grp\\x1b[2J${tag}: `);
    });

    it('config check: a template name from the file is escaped in every problem line', async () => {
      const file = path.join(os.tmpdir(), `${uniqueName('hostile-config')}.json`);
      writeFileSync(file, JSON.stringify({ templates: { [`evil\x1b[2J\u202e\n${tag}`]: { email: { subject: '{{#if x}}open' } } } }));
      const run = await herald$(['config', 'check', file]);
      expect(run.code).toBe(1);
      expectNoRawControls(run);
      expect(run.stdout).toContain(`templates.evil\\x1b[2J\\u202e\\x0a${tag}.email.subject`);
    });

    it('dlq replay --dry-run prints its plan escaped too', async () => {
      const run = await herald$(['dlq', 'replay', '--id', ids.hostile, '--dry-run']);
      expect(run.code).toBe(0);
      expectNoRawControls(run);
      expect(run.stdout).toContain(EVENT_SHOWN);
    });
  });

  describe('without --reveal, no address, phone number, push token or payload value is printed (finding 9)', () => {
    const secrets = [
      'carol@example.com',
      'Carol Jones',
      'Paid 12.50',
      'token=abc',
      'bob@example.com',
      'erin@example.com',
      '+14155550199',
      '+14155550123',
      'frank@example.com',
    ];
    const expectNoSecrets = (run: HeraldRun) => {
      for (const secret of [...secrets, users.emailId]) expect(run.stdout + run.stderr).not.toContain(secret);
    };

    it('dlq show of a delivery letter prints no payload value: the letter holds an event summary only', async () => {
      const run = await herald$(['dlq', 'show', ids.hostile, '--json']);
      expectNoSecrets(run);
      expect(JSON.parse(run.stdout).event).not.toHaveProperty('payload');
      expect(JSON.parse(run.stdout).event).not.toHaveProperty('recipients');
      expectNoSecrets(await herald$(['dlq', 'show', ids.hostile]));
      expectNoSecrets(await herald$(['dlq', 'show', ids.email]));
    });

    it('dlq show of an invalid message redacts a key that is a recipient entry and prints no raw byte', async () => {
      for (const id of [ids.invalid, ids.keyed]) {
        const run = await herald$(['dlq', 'show', id]);
        expect(run.code).toBe(0);
        expectNoSecrets(run);
        expect(run.stdout).toMatch(/"raw": "\[redacted: \d+ bytes\]"/);
        expect(run.stdout).not.toContain('rawBase64');
      }
      expect((await herald$(['dlq', 'show', ids.invalid])).stdout).toMatch(/\(key email:\[redacted\], /);
      expect((await herald$(['dlq', 'show', ids.keyed])).stdout).toMatch(/\(key phone:\[redacted\], /);
      const json = JSON.parse((await herald$(['dlq', 'show', ids.keyed, '--json'])).stdout);
      expect(json).toMatchObject({ kind: 'invalid_event', source: { key: 'phone:[redacted]' }, raw: expect.stringMatching(/^\[redacted: \d+ bytes\]$/) });
      expect(json.rawBase64).toBeUndefined();
    });

    it('dlq list redacts a user id that is an address and an id read from an invalid message', async () => {
      const table = await herald$(['dlq', 'list']);
      expectNoSecrets(table);
      expect(rowOf(table.stdout.split('\n'), ids.email)).toContain('[email]');
      expect(rowOf(table.stdout.split('\n'), ids.keyed)).toContain('[email]');
      expectNoSecrets(await herald$(['dlq', 'list', '--json']));
      // Filters still match the letters as they are.
      const byRecipient = await herald$(['dlq', 'list', '--recipient', users.emailId, '--json']);
      expect(
        byRecipient.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).id),
      ).toEqual([ids.email]);
    });

    it('--reveal shows them as they are (a delivery letter has no payload to reveal)', async () => {
      const delivery = JSON.parse((await herald$(['dlq', 'show', ids.hostile, '--json', '--reveal'])).stdout);
      expect(delivery.event).not.toHaveProperty('payload');
      const invalid = JSON.parse((await herald$(['dlq', 'show', ids.invalid, '--json', '--reveal'])).stdout);
      expect(invalid).toMatchObject({ source: { key: 'email:bob@example.com' }, raw: { id: INVALID_ID, to: 'erin@example.com', phone: '+14155550199' } });
    });
  });
});
