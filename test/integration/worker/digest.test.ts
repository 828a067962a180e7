import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseDueMember } from '../../../src/digests/batch-item';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { Clock } from '../../../src/shared/clock';
import { createKeys } from '../../../src/redis/keys';
import { eventually, testKafka, TEST_REDIS_URL, uniqueName } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';

/** Every digest window of these rules is 3 s, aligned to the epoch. */
const WINDOW_MS = 3_000;

type Delivery = { recipientId: string; channel: string; status: string; digestId?: string; sentAt?: string; reason?: string };

describe('digests end to end: rules batch normal deliveries per recipient, channel and type into one message per window', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let redis: Redis;
  /** The service's clock runs this far ahead of the wall clock; a test moves it forward (never back). */
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    herald = await startTestService({
      clock,
      config: isolatedConfig({
        // A lane of our own, so no other suite's normal events reach this service.
        kafka: { topics: { bulk: `${uniqueName('topic')}.bulk` } },
        batching: {
          pollIntervalMs: 200,
          rules: [
            { name: 'weekly', channel: 'email', categories: ['weekly'], window: { every: '3s' }, maxItems: 2, overflow: 'summarize' },
            { name: 'email-3s', channel: 'email', window: { every: '3s' } },
            { name: 'push-3s', channel: 'push', window: { every: '3s' } },
          ],
        },
      }),
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    redis = new Redis(TEST_REDIS_URL);
    for (const user of ['u-dana', 'u-erin', 'u-finn']) await api(herald.service, 'PUT', `/api/users/${user}`, { email: `${user}@example.com` });
  });

  afterAll(async () => {
    redis?.disconnect();
    await producer?.disconnect();
    await herald?.stop();
  });

  const deliveryOf = async (id: string): Promise<Delivery | undefined> => (await api(herald.service, 'GET', `/api/notifications/${id}`)).body?.deliveries?.[0];

  /** Waits until every event's delivery is `sent`, then returns their records. */
  const allSent = (ids: string[], what: string) =>
    eventually(async () => {
      const records = await Promise.all(ids.map(deliveryOf));
      return records.every((r) => r?.status === 'sent') ? (records as Delivery[]) : undefined;
    }, what);

  /** Waits until the service clock is just past a window boundary, so events published now share one window. */
  async function startOfWindow(): Promise<void> {
    await new Promise((r) => setTimeout(r, WINDOW_MS - (clock.now() % WINDOW_MS) + 50));
  }

  const mails = async (): Promise<ParsedMail[]> =>
    Promise.all(herald.outboxFiles('email').map((f) => simpleParser(readFileSync(path.join(herald.outboxDir, 'email', f)))));
  const mailsTo = async (address: string) => (await mails()).filter((m) => (m.to as { text: string } | undefined)?.text === address);
  const pushRecords = () =>
    herald
      .outboxFiles('push')
      .map((f) => JSON.parse(readFileSync(path.join(herald.outboxDir, 'push', f), 'utf8')) as { deliveryId: string; title: string; text: string });

  /**
   * The end of the window of `groupKey` waiting in the due index, and its score there. (The delivery
   * record does not keep `nextAttemptAt` once `batched`, so the store is asked.)
   */
  async function dueWindowOf(groupKey: string): Promise<{ windowEnd: number; score: number } | undefined> {
    const members = await redis.zrange(createKeys(herald.prefix).batchesDue(), '0', '-1', 'WITHSCORES');
    for (let i = 0; i < members.length; i += 2) {
      const ref = parseDueMember(members[i]!);
      if (ref.groupKey === groupKey) return { windowEnd: ref.windowEnd, score: Number(members[i + 1]) };
    }
    return undefined;
  }

  /** HH:MM of `ms` on the wall clock of `timeZone`. */
  const wallTime = (ms: number, timeZone: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

  const normal = (recipient: string, title: string, extra: Record<string, unknown> = {}) => ({
    type: 'transactional' as const,
    priority: 'normal' as const,
    recipients: [recipient],
    channels: ['email' as const],
    payload: { title, message: `${title}!` },
    ...extra,
  });

  it('sends three normal events as one digest under one deterministic digest id, and critical at once', async () => {
    await startOfWindow();
    const events = await producer.publishMany([
      normal('u-dana', 'Comment on your post'),
      normal('u-dana', 'New follower'),
      normal('u-dana', 'Weekly tips', { priority: 'low' }),
    ]);
    const critical = await producer.publish({
      type: 'alert',
      priority: 'critical',
      recipients: ['u-dana'],
      channels: ['email'],
      payload: { title: 'Login from new device', message: 'Was it you?' },
    });

    // Critical is out while the others still wait for their window.
    await eventually(async () => (await deliveryOf(critical.id))?.status === 'sent', 'critical sent');
    const waiting = await eventually(async () => {
      const records = await Promise.all(events.map((e) => deliveryOf(e.id)));
      return records.every((r) => r && ['batched', 'sent'].includes(r.status)) ? records : undefined;
    }, 'the normal events batched');
    expect(waiting.some((r) => r?.status === 'batched')).toBe(true);

    const records = await allSent(
      events.map((e) => e.id),
      'batched events sent by the digest',
    );
    const digestIds = new Set(records.map((r) => r.digestId));
    expect(digestIds.size).toBe(1);
    const [digestId] = [...digestIds] as [string];
    const match = /^email-3s\|u-dana\|email\|transactional@(.+)$/.exec(digestId);
    expect(match).not.toBeNull();
    const windowEnd = Date.parse(match![1]!);
    expect(new Date(windowEnd).toISOString()).toBe(match![1]);
    expect(windowEnd % WINDOW_MS).toBe(0);
    expect(records.every((r) => Date.parse(r.sentAt!) >= windowEnd)).toBe(true); // nothing went before its window closed

    const danas = await mailsTo('u-dana@example.com');
    expect(danas.map((m) => m.subject).sort()).toEqual(['3 new notifications', 'Login from new device']);
    const digest = danas.find((m) => m.subject === '3 new notifications')!;
    expect(digest.text).toContain('- Comment on your post: Comment on your post!');
    expect(digest.text).toContain('- New follower: New follower!');
    expect(digest.text).toContain('- Weekly tips: Weekly tips!');
  });

  it('sends one digest per type when the rule groups by type (the default)', async () => {
    await startOfWindow();
    const events = await producer.publishMany([
      normal('u-erin', 'Receipt'),
      normal('u-erin', 'Invoice'),
      normal('u-erin', 'Spring sale', { type: 'marketing' }),
    ]);
    const records = await allSent(
      events.map((e) => e.id),
      "erin's deliveries sent by two digests",
    );
    const [receipt, invoice, sale] = records as [Delivery, Delivery, Delivery];
    expect(receipt.digestId).toBe(invoice.digestId);
    expect(receipt.digestId).toMatch(/^email-3s\|u-erin\|email\|transactional@/);
    expect(sale.digestId).toMatch(/^email-3s\|u-erin\|email\|marketing@/);

    const subjects = (await mailsTo('u-erin@example.com')).map((m) => m.subject).sort();
    expect(subjects).toEqual(['1 new notification', '2 new notifications']);
  });

  it('lists maxItems and counts the rest as "more" when the rule summarises, marking every item sent', async () => {
    await startOfWindow();
    const events = await producer.publishMany(['First', 'Second', 'Third'].map((title) => normal('u-finn', title, { category: 'weekly' })));
    const records = await allSent(
      events.map((e) => e.id),
      "finn's three deliveries sent",
    );
    expect(new Set(records.map((r) => r.digestId)).size).toBe(1);
    expect(records[0]!.digestId).toMatch(/^weekly\|u-finn\|email\|transactional@/);

    const finns = await mailsTo('u-finn@example.com');
    expect(finns).toHaveLength(1);
    expect(finns[0]!.subject).toBe('3 new notifications'); // the headline counts every item, listed or not
    const listed = ['First', 'Second', 'Third'].filter((t) => finns[0]!.text?.includes(`- ${t}: ${t}!`));
    expect(listed).toHaveLength(2);
    expect(finns[0]!.text).toContain('...and 1 more');
  });

  it('holds a push digest while the recipient is in quiet hours', async () => {
    const zone = 'Asia/Kolkata';
    const now = clock.now();
    await api(herald.service, 'PUT', '/api/users/u-gus', {
      pushTokens: ['tok-gus'],
      timeZone: zone,
      quietHours: { start: wallTime(now - 3_600_000, zone), end: wallTime(now + 3_600_000, zone) },
    });
    const { id } = await producer.publish({ ...normal('u-gus', 'Someone liked your photo'), channels: ['push'] });

    await eventually(async () => (await deliveryOf(id))?.status === 'batched', "gus's push delivery batched");
    const groupKey = 'push-3s|u-gus|push|transactional';
    // The flusher claims the window when it closes and hands it back until quiet hours end (an hour from now).
    const postponed = await eventually(async () => {
      const due = await dueWindowOf(groupKey);
      return due && due.score > due.windowEnd + 30 * 60_000 ? due : undefined;
    }, 'the digest postponed to the end of quiet hours');
    expect(postponed.windowEnd).toBeLessThanOrEqual(clock.now());
    expect(postponed.score).toBeLessThanOrEqual(now + 3_600_000);
    expect(await redis.hget(createKeys(herald.prefix).batchClaim(groupKey, postponed.windowEnd), 'owner')).toBe(''); // handed back, not held
    expect((await deliveryOf(id))?.status).toBe('batched');
    expect(pushRecords().filter((p) => p.deliveryId.startsWith(groupKey))).toEqual([]);
  });

  it('sends a postponed push digest as soon as quiet hours end', async () => {
    // Move the service clock to 52 s into a minute; quiet hours (in a zone 5:45 ahead of UTC) end at the next minute.
    offset += (52_000 - (clock.now() % 60_000) + 60_000) % 60_000;
    const zone = 'Asia/Kathmandu';
    const now = clock.now();
    const quietEnd = now - (now % 60_000) + 60_000;
    await api(herald.service, 'PUT', '/api/users/u-hana', {
      pushTokens: ['tok-hana'],
      timeZone: zone,
      quietHours: { start: wallTime(now, zone), end: wallTime(quietEnd, zone) },
    });
    const { id } = await producer.publish({ ...normal('u-hana', 'Your order shipped'), channels: ['push'] });

    const { windowEnd } = await eventually(() => dueWindowOf('push-3s|u-hana|push|transactional'), "hana's push delivery batched");
    expect(windowEnd).toBeLessThan(quietEnd); // the window closes inside quiet hours

    const [sent] = await allSent([id], "hana's digest sent after quiet hours");
    expect(Date.parse(sent!.sentAt!)).toBeGreaterThanOrEqual(quietEnd);
    const pushed = pushRecords().filter((p) => p.deliveryId === sent!.digestId);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.title).toBe('1 new notification');
    expect(pushed[0]!.text).toContain('Your order shipped');
  });
});
