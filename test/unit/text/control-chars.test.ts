import { escapeControls, escapeControlsKeepingLines, removeControls, stripControls } from '../../../src/shared/control-chars';

const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];

describe('escapeControls', () => {
  it('writes C0, DEL, C1 and bidi controls out visibly', () => {
    expect(escapeControls('evt\x1b[2J')).toBe('evt\\x1b[2J');
    expect(escapeControls('a\rb\nc\td\x00e\x7ff\x9bg')).toBe('a\\x0db\\x0ac\\x09d\\x00e\\u007ff\\u009bg');
    for (const c of BIDI) expect(escapeControls(`x${c}y`)).toBe(`x\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}y`);
  });

  it('leaves other text alone, accents, emoji and right-to-left letters included', () => {
    const text = 'Zoë 🎉 שלום مرحبا \\x1b';
    expect(escapeControls(text)).toBe(text);
  });

  it('keeps JSON valid and its value the same', () => {
    const value = { id: 'evt\x1b[2J\x7f\x9b\u202e\n' };
    expect(JSON.parse(escapeControls(JSON.stringify(value)))).toEqual(value);
    expect(escapeControls(JSON.stringify(value))).toBe('{"id":"evt\\u001b[2J\\u007f\\u009b\\u202e\\n"}');
  });

  it('keeps the line breaks of a block when asked to', () => {
    expect(escapeControlsKeepingLines('one\x1b\ntwo\u202e')).toBe('one\\x1b\ntwo\\u202e');
  });
});

describe('stripControls and removeControls', () => {
  it('removes controls and bidi overrides and isolates from a body, keeping its layout and the marks', () => {
    expect(stripControls('Hi\x1b[31m Bob\u202e\u2066\x07\x9b\x7f\n\tline 2\r\n\u200f\u061c', true)).toBe('Hi[31m Bob\n\tline 2\r\n\u200f\u061c');
  });

  it('makes a subject or a title one line', () => {
    expect(stripControls('Your\r\n\torder\nis \u202eready\x00', false)).toBe('Your order is ready');
  });

  it('removes every character of the set, marks and line breaks included', () => {
    expect(removeControls('a\tb\nc\u200fd\u202ee\x1bf')).toBe('abcdef');
  });
});
