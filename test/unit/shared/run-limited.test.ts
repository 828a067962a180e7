import { runLimited } from '../../../src/shared/run-limited';

/** A task that records how many calls are in flight at once and settles after a few ticks. */
function tracked<R>(work: (n: number) => R | Promise<R>) {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const task = async (n: number): Promise<R> => {
    started.push(n);
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      // Uneven delays so items finish out of order.
      await new Promise((r) => setTimeout(r, (n * 7) % 5));
      return await work(n);
    } finally {
      inFlight--;
    }
  };
  return { task, peak: () => peak, started };
}

describe('runLimited', () => {
  const items = Array.from({ length: 12 }, (_, i) => i);

  it.each([1, 3, 5])('never has more than %i in flight, and uses the limit', async (limit) => {
    const t = tracked((n) => n * 10);
    await runLimited(items, limit, t.task);
    expect(t.peak()).toBe(limit);
    expect(t.started.sort((a, b) => a - b)).toEqual(items);
  });

  it('returns results in input order even when tasks finish out of order', async () => {
    const results = await runLimited(items, 4, tracked((n) => `r${n}`).task);
    expect(results).toEqual(items.map((n) => ({ status: 'fulfilled', value: `r${n}` })));
  });

  it('settles every item when some reject, keeping each reason at its index', async () => {
    const t = tracked((n) => {
      if (n % 3 === 0) throw new Error(`boom ${n}`);
      return n;
    });
    const results = await runLimited(items, 2, t.task);
    expect(t.started).toHaveLength(items.length);
    results.forEach((r, i) => {
      if (i % 3 === 0) expect(r).toEqual({ status: 'rejected', reason: new Error(`boom ${i}`) });
      else expect(r).toEqual({ status: 'fulfilled', value: i });
    });
  });

  it('handles a limit above the item count and an empty list', async () => {
    const t = tracked((n) => n);
    expect(await runLimited([1, 2], 10, t.task)).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 },
    ]);
    expect(t.peak()).toBe(2);
    expect(await runLimited([], 3, t.task)).toEqual([]);
  });
});
