import { simpleParser } from 'mailparser';
import bundledConfig from '../../../config/notification-config';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka, uniqueName } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deliveryReaching } from '../failures/failure-support';

/**
 * A producer's payload is not trusted to be a safe link or plain text: the shipped password-reset
 * template, sent through a running herald to a real SMTP server, never carries a javascript: link,
 * and no value brings a terminal escape or a right-to-left override into the subject or text.
 */
describe('links and plain text from payloads, end to end', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const logs = captureLogger();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    const config = isolatedConfig({
      templates: { ...bundledConfig.templates, note: { email: { subject: 'Note for {{payload.name}}', text: 'Dear {{payload.name}},\n{{payload.message}}' } } },
    });
    herald = await startTestService({ config, env: { SMTP_URL: smtp.url }, logger: logs.logger });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await smtp?.close();
  });

  async function mailTo(template: string, payload: Record<string, unknown>) {
    const id = uniqueName('reader');
    const address = `${id}@example.com`;
    expect((await api(herald.service, 'PUT', `/api/users/${id}`, { email: address })).status).toBe(200);
    const { id: eventId } = await producer.publish({ type: 'transactional', priority: 'high', template, recipients: [id], channels: ['email'], payload });
    await deliveryReaching(herald.service, eventId, 'email', 'sent');
    const raw = await eventually(async () => smtp.accepted.find((m) => m.to.includes(address))?.raw, `the mail to ${address}`);
    return { eventId, mail: await simpleParser(raw) };
  }

  it('an email from payload.url = "javascript:alert(1)" has no javascript: link, and the refusal is logged without the URL', async () => {
    const { eventId, mail } = await mailTo('password-reset', { name: 'Bob', url: 'javascript:alert(1)' });
    const html = String(mail.html);
    expect(html).not.toMatch(/javascript/i);
    expect(html).toContain('<a href="">Reset your password</a>');
    const line = await eventually(async () => logs.lines().find((l) => l.decision === 'unsafe_url' && l.eventId === eventId), 'the unsafe_url line');
    expect(line).toMatchObject({ level: 'warn', template: 'templates.password-reset.email.html', scheme: 'javascript' });
    expect(JSON.stringify(line)).not.toContain('alert');
  });

  it.each(['JAVASCRIPT:alert(1)', ' java\tscript:alert(1)', '\x01javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)'])(
    '%j gives no script link either',
    async (url) => {
      const { mail } = await mailTo('password-reset', { name: 'Bob', url });
      expect(String(mail.html)).toContain('<a href="">Reset your password</a>');
      expect(String(mail.html)).not.toMatch(/script:|data:/i);
    },
  );

  it('an https link is kept as it is, escaped', async () => {
    const { mail } = await mailTo('password-reset', { name: 'Bob', url: 'https://shop.test/reset?token=abc&user=7' });
    expect(String(mail.html)).toContain('<a href="https://shop.test/reset?token&#x3D;abc&amp;user&#x3D;7">Reset your password</a>');
  });

  it('strips terminal escapes and bidi overrides that values bring into the subject and text', async () => {
    const { mail } = await mailTo('note', { name: 'Bob\x1b[2J\u202egnp.exe\r\nBcc: x', message: 'line one\n\u2067line two\x07' });
    expect(mail.subject).toBe('Note for Bob[2Jgnp.exe Bcc: x');
    // The body keeps its line breaks (the wire carries them as CRLF).
    expect(mail.text?.replace(/\r\n/g, '\n').trim()).toBe('Dear Bob[2Jgnp.exe\nBcc: x,\nline one\nline two');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(`${mail.subject}${mail.text}${String(mail.html)}`).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});
