import { countSmsSegments } from '../../../src/channels/sms-segments';

const a = (n: number) => 'a'.repeat(n);

describe('countSmsSegments', () => {
  it('counts an empty text as no segment', () => {
    expect(countSmsSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, units: 0 });
  });

  it('fits 160 GSM-7 characters in one message and splits the 161st into 153-septet parts', () => {
    expect(countSmsSegments(a(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSmsSegments(a(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(countSmsSegments(a(306))).toEqual({ encoding: 'GSM-7', segments: 2, units: 306 });
    expect(countSmsSegments(a(307))).toEqual({ encoding: 'GSM-7', segments: 3, units: 307 });
  });

  it('keeps accented letters of the GSM alphabet, newlines and punctuation in GSM-7', () => {
    const text = 'Ça va? Déjà vu: Ñoño, Øre & £5 @home\r\n¿Qué? ÄÖÜß §1 _ΔΩ';
    expect(countSmsSegments(text)).toEqual({ encoding: 'GSM-7', segments: 1, units: [...text].length });
  });

  it('counts extension-table characters as two septets', () => {
    expect(countSmsSegments('€')).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
    expect(countSmsSegments('{}[]~|^\\\f€')).toMatchObject({ encoding: 'GSM-7', units: 20 });
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSmsSegments(`${a(159)}€`)).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('moves an escape sequence that would straddle two parts whole into the next part', () => {
    // 152 + 2 + 152 = 306 septets, but the brace cannot start at septet 153 of part one.
    expect(countSmsSegments(`${a(152)}{${a(152)}`)).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
  });

  it('switches the whole text to UCS-2 for one character outside the GSM alphabet', () => {
    expect(countSmsSegments(`${a(100)}ç`)).toEqual({ encoding: 'UCS-2', segments: 2, units: 101 });
    expect(countSmsSegments('Привет')).toEqual({ encoding: 'UCS-2', segments: 1, units: 6 });
    // GSM has ù and é but not ú: one acute accent is enough.
    expect(countSmsSegments('Ñandú')).toMatchObject({ encoding: 'UCS-2' });
  });

  it('fits 70 UCS-2 units in one message and 67 per part when concatenated', () => {
    expect(countSmsSegments('你'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(countSmsSegments('你'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
    expect(countSmsSegments('你'.repeat(134))).toEqual({ encoding: 'UCS-2', segments: 2, units: 134 });
    expect(countSmsSegments('你'.repeat(135))).toEqual({ encoding: 'UCS-2', segments: 3, units: 135 });
  });

  it('counts an emoji as two UTF-16 code units and never splits the pair', () => {
    expect(countSmsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    // 66 + 2 + 66 = 134 units, but the emoji cannot start at unit 67 of part one.
    expect(countSmsSegments(`${a(66)}😀${a(66)}`)).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });
});
