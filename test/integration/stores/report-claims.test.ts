import { createReportClaims } from '../../../src/delivery-state/report-claims';
import { createKeys } from '../../../src/redis/keys';
import { eventually, testRedis } from '../../support/infra';

describe('report claims (the once-only ledger of signed status callbacks)', () => {
  let redis: ReturnType<typeof testRedis>;
  let keys: ReturnType<typeof createKeys>;

  beforeEach(() => {
    redis = testRedis();
    keys = createKeys(redis.prefix);
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('claims a report once: busy while claimed, replayed once settled, for the retention', async () => {
    const claims = createReportClaims({ redis: redis.redis, keys, retentionSeconds: 3600 });

    expect(await claims.claim('fp-1')).toBe('claimed');
    expect(await claims.claim('fp-1')).toBe('busy');
    expect(await claims.claim('fp-2')).toBe('claimed');
    await claims.settle('fp-1');

    expect(await claims.claim('fp-1')).toBe('replayed');
    const ttl = await redis.redis.ttl(keys.twilioReport('fp-1'));
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('releases a claim that was not applied, but never a settled one', async () => {
    const claims = createReportClaims({ redis: redis.redis, keys, retentionSeconds: 3600 });

    await claims.claim('fp');
    await claims.release('fp');
    expect(await claims.claim('fp')).toBe('claimed');
    await claims.settle('fp');
    await claims.release('fp');

    expect(await claims.claim('fp')).toBe('replayed');
  });

  it('lets a claim whose request died lapse after its lease, so the report can be applied', async () => {
    const claims = createReportClaims({ redis: redis.redis, keys, retentionSeconds: 3600, leaseMs: 200 });

    expect(await claims.claim('fp')).toBe('claimed');
    expect(await claims.claim('fp')).toBe('busy');

    await eventually(async () => (await claims.claim('fp')) === 'claimed', 'the lapsed claim to be taken again', 2_000);
  });
});
