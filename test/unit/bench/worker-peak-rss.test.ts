import { peakRssFigure, RSS_TARGET_MB } from '../../../bench/scenarios/worker-peak-rss';

describe("the worker's peak RSS figure", () => {
  it('is the max of the runs, in whole MB, held to 300 MB', () => {
    expect(peakRssFigure('worker peak RSS', [212.4, 251.6, 240])).toMatchObject({
      value: 252,
      repeats: [212, 252, 240],
      unit: 'MB',
      aggregate: 'max',
      target: { op: '<=', value: RSS_TARGET_MB },
      pass: true,
    });
    expect(peakRssFigure('worker peak RSS', [300.2]).pass).toBe(true);
    expect(peakRssFigure('worker peak RSS', [301]).pass).toBe(false);
  });

  it('leaves out a run whose peak could not be read, rather than count it as 0', () => {
    expect(peakRssFigure('worker peak RSS', [null, 180, NaN]).repeats).toEqual([180]);
    expect(peakRssFigure('worker peak RSS', [null]).value).toBeNull();
  });
});
