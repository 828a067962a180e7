import { parseConfig } from '../../../src/config/load-config';
import { testRedis } from '../../support/infra';
import { rawClient, type RawClient } from '../../support/raw-client';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { API_KEY, redisPorts, startHttp } from './http-harness';

/**
 * Slow and silent clients against the real service over real TCP: each is closed once its time is
 * up, a connection past the cap is dropped, and a normal request is served meanwhile. Short limits
 * here; the defaults (30 s, 10 s, 30 s, 1024) are in the config tests.
 */
describe('HTTP limits (config http): slow bodies, slow headers, silent sockets, too many connections', () => {
  const REQUEST_TIMEOUT_MS = 4_000;
  const HEADERS_TIMEOUT_MS = 1_000;
  const IDLE_TIMEOUT_MS = 3_000;
  const MAX_CONNECTIONS = 4;
  /** How late past its limit a close may come: the server checks connections every quarter of the headers timeout, the machine is shared. */
  const SLACK_MS = 1_500;
  let herald: TestService;
  let port = 0;
  const opened: RawClient[] = [];

  beforeAll(async () => {
    const config = isolatedConfig({
      http: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS },
    });
    herald = await startTestService({ config });
    port = Number(new URL(herald.service.url).port);
  });
  afterEach(async () => {
    for (const client of opened.splice(0)) client.destroy();
    // Let the server see those closes before the next test counts connections.
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterAll(async () => {
    await herald?.stop();
  });

  const open = async () => {
    const client = await rawClient(port);
    opened.push(client);
    return client;
  };
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: herald\r\n\r\n';

  it(`drops a connection past maxConnections (${MAX_CONNECTIONS}) at once, and still serves the ones it holds`, async () => {
    // Clients holding keep-alive connections (held for keepAliveTimeoutMs, 72 s) fill the cap.
    const held = [await open(), await open(), await open(), await open()];
    for (const client of held) {
      client.socket.write(healthz);
      expect(await client.answer(2_000)).toMatch(/^HTTP\/1\.1 200/);
    }

    const extra = await open();
    await extra.closedWithin(2_000);
    expect(extra.received()).toBe('');
    // The held connections are untouched and still served.
    for (const client of held) {
      client.socket.write(healthz);
      expect(await client.answer(2_000)).toMatch(/^HTTP\/1\.1 200/);
    }
  });

  it('answers 408 and closes a client dripping its body a byte a second, serving a normal request promptly meanwhile', async () => {
    const dripper = await open();
    dripper.socket.write(
      'POST /api/notify HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer test-key\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const drip = dripper.drip(' ', 1_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const started = Date.now();
      const served = await fetch(`${herald.service.url}/healthz`);
      expect(served.status).toBe(200);
      // Not held up by the drip: answered long before the dripper's time is up, while it is still open.
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
      expect(dripper.isClosed()).toBe(false);

      const closedAfter = await dripper.closedWithin(REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(dripper.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      drip.stop();
    }
  });

  it('closes a client sending its headers a byte at a time once headersTimeoutMs is up', async () => {
    const slow = await open();
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: herald\r\n');
    const drip = slow.drip('X', 200);
    try {
      const closedAfter = await slow.closedWithin(HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      drip.stop();
    }
  });

  it('closes a connection that never sends anything once headersTimeoutMs is up', async () => {
    const silent = await open();
    const closedAfter = await silent.closedWithin(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  });
});

describe('HTTP limits (config http): a client that stops reading its answer', () => {
  const IDLE_TIMEOUT_MS = 1_500;
  /** 200 inbox items of 100 kB: 20 MB, far more than the kernel buffers of one connection hold. */
  const items = Array.from({ length: 200 }, (_, i) => ({ eventId: `e${i}`, text: 'x'.repeat(100_000) }));
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    redis = testRedis();
    const limits = parseConfig({ http: { idleTimeoutMs: IDLE_TIMEOUT_MS } }).http;
    http = await startHttp({ ...redisPorts(redis.redis, redis.prefix), limits, inbox: async () => items });
  });
  afterAll(async () => {
    await http?.close();
    await redis?.cleanup();
  });

  it('closes the connection once nothing moved for idleTimeoutMs, instead of holding the unread answer', async () => {
    const reader = await rawClient(Number(new URL(http.base).port));
    try {
      reader.socket.write(`GET /api/users/ada/inbox?limit=200 HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`);
      reader.socket.pause();
      // Node lets a stalled write run one more idle period once it saw it move: up to twice the limit.
      await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_TIMEOUT_MS + 1_000));
      reader.socket.resume();
      await reader.closedWithin(10_000);
      expect(reader.received()).toMatch(/^HTTP\/1\.1 200/);
      expect(reader.received().length).toBeLessThan(JSON.stringify({ userId: 'ada', items }).length);
    } finally {
      reader.destroy();
    }
  });
});
