import { keyOf, runByKey, weightOf } from '../../../src/intake/run-by-key';

type Item = { index: number; key: string; weight: number };
const items = (keys: string[], weights: number[] = []): Item[] => keys.map((key, index) => ({ index, key, weight: weights[index] ?? 1 }));

/** A work function whose calls finish only when the test says so. */
function controlled() {
  const started: number[] = [];
  const finishers = new Map<number, (done: boolean | Error) => void>();
  const work = (item: Item) =>
    new Promise<boolean>((resolve, reject) => {
      started.push(item.index);
      finishers.set(item.index, (done) => (done instanceof Error ? reject(done) : resolve(done)));
    });
  const finish = async (index: number, done: boolean | Error = true) => {
    finishers.get(index)!(done);
    // Let the run start what the finish made ready.
    await new Promise((r) => setImmediate(r));
  };
  return { started, work, finish };
}

describe('runByKey', () => {
  it('runs different keys side by side, at most `limit` at once, in batch order', async () => {
    const c = controlled();
    const run = runByKey(items(['a', 'b', 'c', 'd']), { limit: 2, alive: () => true, work: c.work });
    expect(c.started).toEqual([0, 1]);
    await c.finish(1);
    expect(c.started).toEqual([0, 1, 2]);
    await c.finish(0);
    expect(c.started).toEqual([0, 1, 2, 3]);
    await c.finish(2);
    await c.finish(3);
    await expect(run).resolves.toBeUndefined();
  });

  it("starts a key's next message only after the one before it is done", async () => {
    const c = controlled();
    const run = runByKey(items(['a', 'a', 'b', 'a']), { limit: 10, alive: () => true, work: c.work });
    expect(c.started).toEqual([0, 2]);
    await c.finish(2);
    expect(c.started).toEqual([0, 2]);
    await c.finish(0);
    expect(c.started).toEqual([0, 2, 1]);
    await c.finish(1);
    expect(c.started).toEqual([0, 2, 1, 3]);
    await c.finish(3);
    await expect(run).resolves.toBeUndefined();
  });

  it('starts nothing new after a message is given up, and resolves once the ones in flight end', async () => {
    const c = controlled();
    const run = runByKey(items(['a', 'b', 'a', 'c']), { limit: 2, alive: () => true, work: c.work });
    expect(c.started).toEqual([0, 1]);
    await c.finish(0, false);
    // Neither a's second message (its key is held) nor c (the run stopped) starts.
    expect(c.started).toEqual([0, 1]);
    await c.finish(1);
    expect(c.started).toEqual([0, 1]);
    await expect(run).resolves.toBeUndefined();
  });

  it('rejects with the first failure, only after the messages in flight ended', async () => {
    const c = controlled();
    let settled = false;
    const run = runByKey(items(['a', 'b', 'c']), { limit: 2, alive: () => true, work: c.work }).finally(() => (settled = true));
    const outcome = expect(run).rejects.toThrow('redis down');
    await c.finish(0, new Error('redis down'));
    expect(settled).toBe(false);
    expect(c.started).toEqual([0, 1]);
    await c.finish(1);
    await outcome;
    expect(c.started).toEqual([0, 1]);
  });

  it('starts nothing once alive() turns false', async () => {
    const c = controlled();
    let alive = true;
    const run = runByKey(items(['a', 'b', 'c']), { limit: 1, alive: () => alive, work: c.work });
    alive = false;
    await c.finish(0);
    await expect(run).resolves.toBeUndefined();
    expect(c.started).toEqual([0]);
  });

  it('keeps the weight in flight within the limit, and runs a message heavier than the limit alone', async () => {
    const c = controlled();
    const run = runByKey(items(['a', 'b', 'c', 'd', 'e'], [2, 2, 5, 1, 1]), { limit: 4, alive: () => true, work: c.work });
    // 2 + 2 fill the limit; c (5) is heavier than the limit and waits for nothing else to run.
    expect(c.started).toEqual([0, 1]);
    await c.finish(0);
    expect(c.started).toEqual([0, 1]);
    await c.finish(1);
    expect(c.started).toEqual([0, 1, 2]);
    // Nothing joins the heavy one, not even a light message.
    expect(c.started).toEqual([0, 1, 2]);
    await c.finish(2);
    expect(c.started).toEqual([0, 1, 2, 3, 4]);
    await c.finish(3);
    await c.finish(4);
    await expect(run).resolves.toBeUndefined();
  });

  it('resolves at once on an empty batch', async () => {
    await expect(runByKey([], { limit: 5, alive: () => true, work: () => Promise.resolve(true) })).resolves.toBeUndefined();
  });
});

describe('weightOf', () => {
  it('counts distinct recipients times channels, at least 1', () => {
    expect(weightOf({ recipients: ['u1'], channels: ['email', 'in_app'] })).toBe(2);
    expect(weightOf({ recipients: ['u1', 'u2', 'u1'], channels: ['sms'] })).toBe(2);
    expect(weightOf({ recipients: Array.from({ length: 1000 }, (_, i) => `u${i}`), channels: ['email', 'push'] })).toBe(2000);
    expect(weightOf({ recipients: [], channels: [] })).toBe(1);
  });
});

describe('keyOf', () => {
  it('orders keyed messages by their key bytes and never ties unkeyed ones together', () => {
    expect(keyOf({ key: Buffer.from('user_42'), offset: '1' })).toBe(keyOf({ key: Buffer.from('user_42'), offset: '9' }));
    expect(keyOf({ key: Buffer.from([0xff]), offset: '1' })).not.toBe(keyOf({ key: Buffer.from([0xfe]), offset: '1' }));
    expect(keyOf({ key: null, offset: '1' })).not.toBe(keyOf({ key: null, offset: '2' }));
    // An unkeyed message never shares a chain with a message whose key looks like an offset.
    expect(keyOf({ key: null, offset: '1' })).not.toBe(keyOf({ key: Buffer.from('1'), offset: '1' }));
  });
});
