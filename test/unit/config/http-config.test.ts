import { parseConfig } from '../../../src/config/load-config';
import { ConfigError } from '../../../src/shared/errors';

describe('config http (timeouts and connection cap of the API)', () => {
  it('defaults to a 30 s request, 10 s headers, 30 s idle, 72 s keep-alive and 1024 connections', () => {
    expect(parseConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1024,
    });
  });

  it('refuses a headers timeout longer than the request timeout, naming both fields and the fix', () => {
    expect(() => parseConfig({ http: { requestTimeoutMs: 5_000, headersTimeoutMs: 8_000 } }, 'test.json')).toThrow(ConfigError);
    expect(() => parseConfig({ http: { requestTimeoutMs: 5_000, headersTimeoutMs: 8_000 } }, 'test.json')).toThrow(
      /http\.headersTimeoutMs: headersTimeoutMs must not exceed requestTimeoutMs.*lower it or raise requestTimeoutMs/,
    );
  });

  it('refuses a timeout of 0 (off) or below 100 ms, and unknown fields, with the fix', () => {
    expect(() => parseConfig({ http: { requestTimeoutMs: 0 } })).toThrow(/http\.requestTimeoutMs: .*\n\s+fix: use a value ≥ 100/);
    expect(() => parseConfig({ http: { maxConnections: 0 } })).toThrow(/http\.maxConnections: .*\n\s+fix: use a value ≥ 1/);
    expect(() => parseConfig({ http: { bodyTimeoutMs: 1_000 } })).toThrow(/http\.bodyTimeoutMs: unknown field/);
  });
});
