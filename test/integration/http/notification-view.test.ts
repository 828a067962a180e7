import { eventually } from '../../support/infra';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';

/** What may appear in a delivery of `GET /api/notifications/:id`: the allow-list docs/http-api.md documents. */
const DELIVERY_FIELDS = [
  'recipientId',
  'channel',
  'status',
  'reason',
  'detail',
  'provider',
  'providerMessageId',
  'digestId',
  'replays',
  'attempts',
  'nextAttemptAt',
  'rejectedRecipients',
  'sentAt',
  'updatedAt',
];

/**
 * `GET /api/notifications/:id` is read with any API key, by on-call and by dashboards: it shows
 * where an event stands, never what it carried. A password-reset link or a direct address in the
 * answer would hand an account to whoever holds a key.
 */
describe('GET /api/notifications/:id shows the summary, never the payload or an address', () => {
  const EMAIL = 'ada.reset@example.com';
  const PHONE = '+14155550123';
  const TOKEN = 'rst-7f3a9c1e5b';
  const LINK = `https://app.example/reset?token=${TOKEN}`;
  let herald: TestService;

  beforeAll(async () => {
    const config = isolatedConfig({
      templates: {
        'password-reset': { email: { subject: 'Reset your password', text: 'Reset it here: {{payload.url}}' }, sms: { text: 'Reset: {{payload.url}}' } },
      },
    });
    herald = await startTestService({ config });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function get(id: string): Promise<{ status: number; text: string; body: any }> {
    const response = await fetch(`${herald.service.url}/api/notifications/${id}`, { headers: { authorization: 'Bearer test-key' } });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) };
  }

  it('answers with type, priority, channels, recipient count, times and each delivery state, without the link or the addresses', async () => {
    const published = await fetch(`${herald.service.url}/api/notify`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'transactional',
        priority: 'critical',
        template: 'password-reset',
        recipients: [`email:${EMAIL}`, `phone:${PHONE}`],
        channels: ['email', 'sms'],
        payload: { name: 'Ada', url: LINK },
      }),
    });
    expect(published.status).toBe(202);
    const { id } = (await published.json()) as { id: string };

    // Each direct address reaches its own channel (sent); the other channel has no address for it.
    const view = await eventually(async () => {
      const answer = await get(id);
      const settled =
        answer.status === 200 &&
        answer.body.deliveries?.length === 4 &&
        answer.body.deliveries.every((d: { status: string }) => !['pending', 'sending'].includes(d.status));
      return settled ? answer : undefined;
    }, `the four deliveries of ${id} to settle`);
    // The outbox really got the link: the answer leaves it out, the delivery did not.
    expect(herald.outboxFiles('email')).toHaveLength(1);

    for (const secret of [EMAIL, PHONE, PHONE.slice(2), TOKEN, LINK, 'app.example', 'payload', '"event"']) expect(view.text).not.toContain(secret);
    expect(view.body.meta).toEqual({
      type: 'transactional',
      priority: 'critical',
      channels: 'email,sms',
      recipients: '2',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Object.keys(view.body).sort()).toEqual(['deliveries', 'id', 'meta']);
    const deliveries = view.body.deliveries as Record<string, unknown>[];
    expect(deliveries.map((d) => `${String(d.channel)}:${String(d.status)}`).sort()).toEqual(['email:failed', 'email:sent', 'sms:failed', 'sms:sent']);
    for (const d of deliveries) {
      expect(d.recipientId).toMatch(/^direct:[0-9a-f]{16}$/);
      for (const key of Object.keys(d)) expect(DELIVERY_FIELDS).toContain(key);
    }
  });
});
