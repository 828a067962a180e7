import { parseConfig } from '../../../src/config/load-config';
import { checkUrl } from '../../../src/rendering/safe-url';
import { checkTemplates, createRenderer, type UnsafeUrl } from '../../../src/rendering/render';

describe('checkUrl: the scheme of a link, read as a browser reads it', () => {
  it.each([
    ['javascript:alert(1)', 'javascript'],
    ['JAVASCRIPT:alert(1)', 'javascript'],
    ['JavaScript:alert(1)', 'javascript'],
    ['java\tscript:alert(1)', 'javascript'],
    ['java\nscript:alert(1)', 'javascript'],
    ['java\r\nscript:alert(1)', 'javascript'],
    ['  javascript:alert(1)', 'javascript'],
    ['\x01\x02 javascript:alert(1)', 'javascript'],
    ['\u202ejavascript:alert(1)', 'javascript'],
    ['javascript:alert(1)\x00 ', 'javascript'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'data'],
    ['vbscript:msgbox(1)', 'vbscript'],
    ['file:///etc/passwd', 'file'],
  ])('refuses %j (scheme %s) and gives an empty link', (value, scheme) => {
    expect(checkUrl(value)).toEqual({ url: '', refused: scheme });
  });

  it.each([
    ['https://shop.test/reset?token=abc&x=1', 'https://shop.test/reset?token=abc&x=1'],
    ['HTTP://shop.test/', 'HTTP://shop.test/'],
    ['mailto:help@shop.test?subject=Hi', 'mailto:help@shop.test?subject=Hi'],
    ['  https://shop.test/a\n', 'https://shop.test/a'],
    ['ht\ttps://shop.test/', 'https://shop.test/'],
    ['/reset?token=abc', '/reset?token=abc'],
    ['reset/page', 'reset/page'],
    ['#top', '#top'],
    ['?page=2', '?page=2'],
    // An entity is not decoded here and is escaped in html: the browser reads a relative link.
    ['javascript&#58;alert(1)', 'javascript&#58;alert(1)'],
    ['/a:b', '/a:b'],
  ])('keeps %j as %j', (value, url) => {
    expect(checkUrl(value)).toEqual({ url });
  });

  it('writes numbers out and gives other non-text values an empty link', () => {
    expect(checkUrl(42)).toEqual({ url: '42' });
    expect(checkUrl(undefined)).toEqual({ url: '' });
    expect(checkUrl({ toString: () => 'javascript:alert(1)' })).toEqual({ url: '' });
  });
});

describe('the url helper in templates', () => {
  const templates = {
    reset: {
      email: {
        subject: 'Reset',
        text: 'Reset: {{url payload.url}}',
        html: '<a href="{{url payload.url}}">Reset</a> <a href="https://shop.test/u/{{payload.id}}">you</a>',
      },
    },
  };
  const event = (payload: Record<string, unknown>) => ({ id: 'evt-1', type: 'transactional', priority: 'high', createdAt: '2026-01-01T00:00:00Z', payload });

  it('renders a safe link escaped in html and as it is in text', () => {
    const out = createRenderer(parseConfig({ templates })).render({
      templateName: 'reset',
      channel: 'email',
      event: event({ url: 'https://shop.test/r?a=1&b="2"', id: '7' }),
    });
    expect(out.html).toBe('<a href="https://shop.test/r?a&#x3D;1&amp;b&#x3D;&quot;2&quot;">Reset</a> <a href="https://shop.test/u/7">you</a>');
    expect(out.text).toBe('Reset: https://shop.test/r?a=1&b="2"');
  });

  it('renders a javascript: link empty and reports the template path and scheme, never the URL', () => {
    const unsafe: UnsafeUrl[] = [];
    const renderer = createRenderer(parseConfig({ templates }), { onUnsafeUrl: (u) => unsafe.push(u) });
    const out = renderer.render({ templateName: 'reset', channel: 'email', event: event({ url: ' JAVA\tSCRIPT:alert(document.cookie)', id: '7' }) });
    expect(out.html).toBe('<a href="">Reset</a> <a href="https://shop.test/u/7">you</a>');
    expect(out.text).toBe('Reset: ');
    expect(out.html + out.text).not.toMatch(/script/i);
    expect(unsafe).toEqual([
      { path: 'templates.reset.email.text', scheme: 'javascript', eventId: 'evt-1' },
      { path: 'templates.reset.email.html', scheme: 'javascript', eventId: 'evt-1' },
    ]);
  });
});

describe('checkTemplates refuses a link whose start comes from a value without the url helper', () => {
  const problemsOf = (html: string) => checkTemplates(parseConfig({ templates: { t: { email: { subject: 'S', text: 'T', html } } } }));

  it.each([
    ['<a href="{{payload.url}}">x</a>', '{{payload.url}}'],
    ["<a class=x HREF='{{payload.url}}'>x</a>", '{{payload.url}}'],
    ['<a href={{payload.url}}>x</a>', '{{payload.url}}'],
    ['<img src="{{{payload.image}}}">', '{{{payload.image}}}'],
    ['<a href=" {{id}}">x</a>', '{{id}}'],
    ['<a href="java{{payload.rest}}">x</a>', '{{payload.rest}}'],
    ['{{#if payload.url}}<a href="{{payload.url}}">x</a>{{else}}none{{/if}}', '{{payload.url}}'],
    ['<a href="{{url payload.a}}{{payload.b}}">x</a>', '{{payload.b}}'],
    ['<a href="{{url payload.a}}:x">x</a>', '{{url payload.a}}'],
    ['<a href="{{{url payload.a}}}">x</a>', '{{{url payload.a}}}'],
    ['<form action="{{payload.go}}"></form>', '{{payload.go}}'],
  ])('refuses %s, naming %s and the fix', (html, expression) => {
    const problems = problemsOf(html);
    expect(problems).toEqual([{ path: 'templates.t.email.html', message: expect.stringContaining(`${expression} sets the start of a link`) }]);
    expect(problems[0]!.message).toContain('write {{url ');
    expect(problems[0]!.message).toContain('Fix templates.t.email.html in the config.');
  });

  it.each([
    '<a href="{{url payload.url}}">x</a>',
    '<a href="{{url payload.base}}/o/{{payload.id}}">x</a>',
    '<a href="https://shop.test/o/{{payload.id}}?ref={{payload.ref}}">x</a>',
    '<a href="mailto:{{payload.email}}">x</a>',
    '<a href="/o/{{payload.id}}">x</a>',
    '<a href="#{{payload.anchor}}">x</a>',
    '<a title="{{payload.title}}" href="https://shop.test/">{{payload.text}}</a>',
    '<p>use href="{{payload.url}}" in text</p> <b>{{payload.x}}</b>',
    '{{#each items}}<a href="{{url text}}">{{title}}</a>{{/each}}',
  ])('accepts %s', (html) => {
    expect(problemsOf(html)).toEqual([]);
  });
});
