import { countSmsSegments } from '../../../src/channels/sms-segments';
import { costRatio } from '../../support/cost-growth';

/** Reads every UTF-16 unit of `text` once: the least any count of its segments must cost. */
function readOnce(text: string): number {
  let mix = 0;
  for (let i = 0; i < text.length; i += 1) mix ^= text.charCodeAt(i);
  return mix;
}

/**
 * Every SMS delivery counts the segments of its text, and a payload message may be 256 KB (it is
 * then refused as too long, but only once counted), for each of up to 1000 recipients: building
 * an array of its characters made that 25 ms a delivery, 40 to 50 times the cost of reading it.
 */
describe('countSmsSegments cost', () => {
  it.each([
    ['GSM-7', 'a'],
    ['GSM-7 extension characters', '€'],
    ['UCS-2 with surrogate pairs', '😀'],
  ])('costs at most 10 times reading the text once, for 256 KB of %s', (_what, unit) => {
    const text = unit.repeat((256 * 1024) / unit.length);
    expect(
      costRatio(
        () => countSmsSegments(text),
        () => readOnce(text),
      ),
    ).toBeLessThan(10);
  });
});
