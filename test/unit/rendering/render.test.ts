import bundledConfig from '../../../config/notification-config';
import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { PermanentError } from '../../../src/shared/errors';
import { createRenderer } from '../../../src/rendering/render';

const event = (payload: Record<string, unknown>, type = 'alert') => ({
  id: 'evt-1',
  type,
  priority: 'high',
  createdAt: '2026-03-01T10:00:00Z',
  payload,
});

const renderer = (templates: HeraldConfigInput['templates']) => createRenderer(parseConfig({ templates }));

function thrown(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError);
    return error as PermanentError;
  }
  throw new Error('expected a PermanentError, nothing was thrown');
}

describe('render', () => {
  it('escapes payload values in html but not in text, subject or title', () => {
    const r = renderer({
      alert: {
        email: { subject: '{{payload.title}}', text: 'Hi {{payload.name}}', html: '<p>Hi {{payload.name}}</p>' },
        push: { title: '{{payload.title}}', text: '{{payload.message}}' },
      },
    });
    const payload = { title: 'Tom & Jerry <3', name: '<b>Bob</b> & "Al"', message: 'x' };
    const email = r.render({ templateName: 'alert', channel: 'email', event: event(payload) });
    expect(email.subject).toBe('Tom & Jerry <3');
    expect(email.text).toBe('Hi <b>Bob</b> & "Al"');
    expect(email.html).toBe('<p>Hi &lt;b&gt;Bob&lt;/b&gt; &amp; &quot;Al&quot;</p>');
    expect(r.render({ templateName: 'alert', channel: 'push', event: event(payload) }).title).toBe('Tom & Jerry <3');
  });

  it('escapes a <script> payload in html and leaves it as typed in an SMS', () => {
    const r = renderer({ alert: { email: { subject: 'S', text: '{{payload.name}}', html: '<b>{{payload.name}}</b>' }, sms: { text: 'Hi {{payload.name}}' } } });
    const payload = { name: '<script>alert("x")</script>' };
    const email = r.render({ templateName: 'alert', channel: 'email', event: event(payload) });
    expect(email.html).toBe('<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>');
    expect(email.html).not.toContain('<script>');
    expect(r.render({ templateName: 'alert', channel: 'sms', event: event(payload) }).text).toBe('Hi <script>alert("x")</script>');
  });

  it('exposes event fields, the template locale and the recipient locale to templates', () => {
    const r = renderer({ alert: { sms: { text: '{{id}} {{type}} {{priority}} {{createdAt}} {{locale}} {{recipientLocale}}' } } });
    // No French translation: the base template (default locale en) renders, and says so.
    const out = r.render({ templateName: 'alert', channel: 'sms', event: event({}), locale: 'fr-FR' });
    expect(out.text).toBe('evt-1 alert high 2026-03-01T10:00:00Z en fr-FR');
  });

  it('wraps escaped text in <p> with <br> line breaks when the template has no html', () => {
    const r = renderer({ alert: { email: { subject: 'S', text: 'Line 1 & more\n{{payload.second}}' } } });
    const out = r.render({ templateName: 'alert', channel: 'email', event: event({ second: '<script>' }) });
    expect(out.text).toBe('Line 1 & more\n<script>');
    expect(out.html).toBe('<p>Line 1 &amp; more<br>&lt;script&gt;</p>');
  });

  it('uses subject as title and title as subject when only one is given', () => {
    const r = renderer({ alert: { email: { subject: 'Subj', text: 't' }, in_app: { title: 'Ttl', text: 't' } } });
    expect(r.render({ templateName: 'alert', channel: 'email', event: event({}) }).title).toBe('Subj');
    expect(r.render({ templateName: 'alert', channel: 'in_app', event: event({}) }).subject).toBe('Ttl');
  });

  it('falls back to payload.title and payload.message when there is no template', () => {
    const out = renderer({}).render({ templateName: 'unknown', channel: 'push', event: event({ title: 'Disk full', message: 'Free some space' }) });
    expect(out).toEqual({ title: 'Disk full', subject: 'Disk full', text: 'Free some space', html: '<p>Free some space</p>' });
  });

  it('falls back to payload.body, and to the event type as title', () => {
    const out = renderer({}).render({ templateName: 'x', channel: 'sms', event: event({ body: 'Hello' }, 'transactional') });
    expect(out.text).toBe('Hello');
    expect(out.title).toBe('transactional');
  });

  it('falls back per field when a template lacks one or renders it blank', () => {
    const r = renderer({ alert: { email: { subject: '{{payload.missing}}' } } });
    const out = r.render({ templateName: 'alert', channel: 'email', event: event({ title: 'T', message: 'M' }) });
    expect(out.subject).toBe('T');
    expect(out.text).toBe('M');
  });

  it('falls back when the template exists only for other channels', () => {
    const r = renderer({ alert: { email: { subject: 'S', text: 'T' } } });
    expect(r.render({ templateName: 'alert', channel: 'sms', event: event({ message: 'M' }) }).text).toBe('M');
  });

  it('throws template_missing naming the template and channel when nothing can be rendered', () => {
    const error = thrown(() => renderer({}).render({ templateName: 'welcome', channel: 'email', event: event({ url: 'x' }) }));
    expect(error.code).toBe('template_missing');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('"welcome"');
    expect(error.message).toContain('templates.welcome.email');
  });

  it('does not take template names from the object prototype', () => {
    const error = thrown(() => renderer({}).render({ templateName: 'constructor', channel: 'email', event: event({}) }));
    expect(error.code).toBe('template_missing');
  });

  it('reports a template that does not compile as template_error naming template, channel and field', () => {
    const r = renderer({ alert: { email: { subject: '{{#if payload.x}}unclosed', text: 'ok' } } });
    const error = thrown(() => r.render({ templateName: 'alert', channel: 'email', event: event({}) }));
    expect(error.code).toBe('template_error');
    expect(error.message).toContain('Template "alert"');
    expect(error.message).toContain('channel email');
    expect(error.message).toContain('field subject');
    expect(error.message).toContain('templates.alert.email.subject');
  });

  it('reports a runtime failure (unknown helper) as template_error instead of crashing', () => {
    const r = renderer({ alert: { sms: { text: '{{shout payload.message}}' } } });
    const error = thrown(() => r.render({ templateName: 'alert', channel: 'sms', event: event({ message: 'hi' }) }));
    expect(error.code).toBe('template_error');
    expect(error.message).toMatch(/Missing helper: "shout"/);
    expect(error.message).toContain('field text');
  });

  it('keeps working after a failure and renders the configured sample templates', () => {
    const r = createRenderer(parseConfig(bundledConfig));
    const out = r.render({ templateName: 'alert', channel: 'email', event: event({ title: 'CPU', message: 'at 99%' }) });
    expect(out.subject).toBe('[high] CPU');
    expect(out.text).toBe('at 99%');
    const reset = r.render({ templateName: 'password-reset', channel: 'email', event: event({ name: 'Ann', url: 'https://x.test/?a=1&b=2' }) });
    // The bundled config tags email links (attribution.channels.email): the link's own parameters stay as written.
    expect(reset.html).toContain('href="https://x.test/?a&#x3D;1&amp;b&#x3D;2&amp;utm_source=herald&amp;utm_medium=email&amp;utm_campaign=password-reset"');
    expect(reset.text).toContain('https://x.test/?a=1&b=2&utm_source=herald&utm_medium=email&utm_campaign=password-reset');
  });
});
