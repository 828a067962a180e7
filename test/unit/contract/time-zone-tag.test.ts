import { isIanaTimeZone } from '../../../src/contract/tags';

describe('isIanaTimeZone', () => {
  it('accepts IANA names and UTC, the second time from its cache as well', () => {
    for (const round of [1, 2]) {
      expect([round, isIanaTimeZone('Europe/Paris')]).toEqual([round, true]);
      expect([round, isIanaTimeZone('UTC')]).toEqual([round, true]);
    }
  });

  it('refuses unknown names every time: an invalid name is never cached as valid', () => {
    for (const round of [1, 2]) {
      expect([round, isIanaTimeZone('Mars/Olympus_Mons')]).toEqual([round, false]);
      expect([round, isIanaTimeZone('')]).toEqual([round, false]);
    }
  });
});
