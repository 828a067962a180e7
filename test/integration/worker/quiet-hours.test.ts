import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { testKafka, testRedis } from '../../support/infra';
import { startTestService, type TestService } from '../../support/service-harness';
import { addMinutes, holdsUntil, isolatedLanes, notificationOf, outcomes, putUser, settledDeliveries, shiftedClock, wallTimeIn } from './time-support';

const ZONE = 'Asia/Kathmandu'; // UTC+05:45: the window's end is a wall time there, not in UTC.

/**
 * Quiet hours on the real service. Quiet windows are whole minutes of the recipient's wall clock, so
 * the service runs on a real ticking clock shifted to about 30 s before a whole minute: the recipient's
 * quiet hours end at that minute, and the test sees a deferred push go out when they do, without
 * waiting up to a minute for the wall clock to get there.
 */
describe('quiet hours defer what would wake the recipient until their window ends', () => {
  let redis: ReturnType<typeof testRedis>;
  let herald: TestService;
  let producer: HeraldProducer;
  /** The service's clock: real time shifted so that it starts 30 s before a whole minute. */
  const clock = shiftedClock((((30_000 - (Date.now() % 60_000)) % 60_000) + 60_000) % 60_000);
  /** When u-quinn's quiet hours end (epoch ms on the service's clock), set once the service runs. */
  let quietEnd = 0;

  beforeAll(async () => {
    redis = testRedis();
    herald = await startTestService({ config: isolatedLanes(), prefix: redis.prefix, clock });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming, clock });
    await producer.connect();
    // The first whole minute at least 8 s ahead, so the deferral is seen before the window ends.
    quietEnd = Math.ceil((clock.now() + 8_000) / 60_000) * 60_000;
    const end = wallTimeIn(quietEnd, ZONE);
    const profile = { timeZone: ZONE, email: 'quinn@example.com', phone: '+14155550100', pushTokens: ['tok-quinn'] };
    await putUser(herald.service, 'u-quinn', { ...profile, quietHours: { start: addMinutes(end, -180), end } });
    // Quiet later tonight, not now.
    await putUser(herald.service, 'u-otto', {
      ...profile,
      email: 'otto@example.com',
      pushTokens: ['tok-otto'],
      quietHours: { start: addMinutes(end, 60), end: addMinutes(end, 120) },
    });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await redis.cleanup();
  });

  const event = (extra: Partial<EventInput>): EventInput => ({
    type: 'transactional',
    priority: 'high',
    recipients: ['u-quinn'],
    channels: ['push'],
    payload: { title: 'Your order shipped', message: 'It arrives on Tuesday' },
    ...extra,
  });

  it(
    'defers non-critical push and SMS to the window end, sends critical push and email at once, and sends the ' + 'deferred ones when the window ends',
    async () => {
      expect(quietEnd - clock.now()).toBeGreaterThan(3_000);
      const quiet = await producer.publish(event({ channels: ['push', 'sms'] }));
      const critical = await producer.publish(event({ priority: 'critical', type: 'alert', payload: { title: 'New sign-in', message: 'Was it you?' } }));
      const mail = await producer.publish(event({ channels: ['email', 'in_app'] }));
      const otherUser = await producer.publish(event({ recipients: ['u-otto'] }));

      const deferred = await settledDeliveries(herald.service, quiet.id, 2);
      expect(outcomes(deferred)).toEqual({ 'u-quinn|push': 'deferred:quiet_hours', 'u-quinn|sms': 'deferred:quiet_hours' });
      for (const d of deferred) {
        expect(d.nextAttemptAt).toBe(new Date(quietEnd).toISOString());
        expect(d.attempts).toBe(0);
      }
      expect(outcomes(await settledDeliveries(herald.service, critical.id, 1))).toEqual({ 'u-quinn|push': 'sent:' });
      expect(outcomes(await settledDeliveries(herald.service, mail.id, 2, (d) => d.channel === 'email' || d.status === 'delivered'))).toEqual({
        'u-quinn|email': 'sent:',
        'u-quinn|in_app': 'delivered:',
      });
      expect(outcomes(await settledDeliveries(herald.service, otherUser.id, 1))).toEqual({ 'u-otto|push': 'sent:' });

      // Nothing of the quiet event leaves before the window ends (by the service's clock).
      const realEnd = Date.now() + (quietEnd - clock.now());
      await holdsUntil(
        realEnd - 200,
        async () => {
          const found = await notificationOf(herald.service, quiet.id);
          return found!.deliveries.every((d) => d.status === 'deferred') && herald.outboxFiles('sms').length === 0 && herald.outboxFiles('push').length === 2;
        },
        'the quiet-hours deliveries deferred',
      );

      const sent = await settledDeliveries(herald.service, quiet.id, 2, (d) => d.status === 'sent', 10_000);
      for (const d of sent) {
        const lateMs = Date.parse(d.sentAt!) - quietEnd;
        expect(lateMs).toBeGreaterThanOrEqual(0);
        // The retry poller looks every 500 ms.
        expect(lateMs).toBeLessThan(1_500);
        expect(d.attempts).toBe(1);
      }
      expect(herald.outboxFiles('push')).toHaveLength(3);
      expect(herald.outboxFiles('sms')).toHaveLength(1);
    },
  );
});
