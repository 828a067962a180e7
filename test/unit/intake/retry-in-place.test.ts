import { ReplyError } from 'ioredis';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { isOwnOutage } from '../../../src/shared/errors';
import { retryInPlace } from '../../../src/intake/retry-in-place';

/** A batch payload as kafkajs hands it: running until `stopAfter` failures were reported. */
function payload() {
  let running = true;
  return { isRunning: () => running, isStale: () => false, heartbeat: async () => undefined, stop: () => (running = false) };
}

/** Work that throws `errors` in turn, then succeeds. */
function failing(errors: unknown[]) {
  let calls = 0;
  const work = async () => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
  };
  return { work, calls: () => calls };
}

describe('isOwnOutage: our storage or broker unreachable, as opposed to a message no retry cures', () => {
  it('knows Kafka, Redis connection and Redis availability errors, also as a cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    for (const error of [
      new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'),
      new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 100 }),
      refused,
      new Error('Connection is closed.'),
      Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
      new ReplyError('CLUSTERDOWN The cluster is down'),
      new ReplyError("OOM command not allowed when used memory > 'maxmemory'."),
      new Error('could not record the delivery', { cause: refused }),
    ]) {
      expect(isOwnOutage(error)).toBe(true);
    }
  });

  it('does not excuse a bad value, a corrupt record or a programming error', () => {
    for (const error of [
      new RangeError('Invalid time value'),
      new SyntaxError('Unexpected token n in JSON at position 1'),
      new TypeError("Cannot read properties of undefined (reading 'email')"),
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      new ReplyError('ERR user_script:12: Script attempted to access nonexistent global variable'),
      'a string thrown',
      undefined,
    ]) {
      expect(isOwnOutage(error)).toBe(false);
    }
  });
});

describe('retryInPlace with a give-up policy', () => {
  it('gives a message up after maxFailures failures of the same kind, and reports it handled', async () => {
    const p = payload();
    const { work, calls } = failing([
      new RangeError('Invalid time value'),
      new RangeError('Invalid time value'),
      new RangeError('Invalid time value'),
      new RangeError('never reached'),
    ]);
    const gaveUp: number[] = [];
    const handled = await retryInPlace(p, work, () => undefined, { maxFailures: 3, giveUp: async (_e, n) => void gaveUp.push(n) });
    expect(handled).toBe(true);
    expect(gaveUp).toEqual([3]);
    expect(calls()).toBe(3);
  });

  it('counts only failures in a row that look the same: another error starts the count again', async () => {
    const p = payload();
    const { work, calls } = failing([new RangeError('a'), new TypeError('b'), new RangeError('a'), new RangeError('a')]);
    const gaveUp: number[] = [];
    const handled = await retryInPlace(p, work, () => undefined, { maxFailures: 2, giveUp: async (_e, n) => void gaveUp.push(n) });
    expect(handled).toBe(true);
    expect(gaveUp).toEqual([2]);
    expect(calls()).toBe(4);
  });

  it('never gives up while the failure is our own outage: the partition waits and nothing is skipped', async () => {
    const p = payload();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { work } = failing([outage, outage, outage, outage]);
    let failures = 0;
    const handled = await retryInPlace(p, work, () => void (++failures === 4 && p.stop()), {
      maxFailures: 1,
      giveUp: async () => {
        throw new Error('must not give up on an outage');
      },
    });
    expect(handled).toBe(false);
    expect(failures).toBe(4);
  });

  it('keeps retrying when giving up fails (the DLQ unreachable), and succeeds when the work does', async () => {
    const p = payload();
    const { work, calls } = failing([new RangeError('x'), new RangeError('x')]);
    let giveUps = 0;
    const handled = await retryInPlace(p, work, () => undefined, {
      maxFailures: 1,
      giveUp: async () => {
        giveUps++;
        throw new KafkaJSConnectionError('DLQ unreachable');
      },
    });
    expect(handled).toBe(true);
    expect(giveUps).toBe(2);
    expect(calls()).toBe(3);
  });
});
