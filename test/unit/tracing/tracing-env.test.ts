import { loadEnv } from '../../../src/config/env';
import { ConfigError } from '../../../src/shared/errors';

describe('tracing variables of the environment', () => {
  it('are unset by default: tracing is off', () => {
    const env = loadEnv({});
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(env.OTEL_SERVICE_NAME).toBeUndefined();
  });

  it('take a collector base URL and a service name', () => {
    const env = loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_SERVICE_NAME: 'herald-eu' });
    expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_SERVICE_NAME: 'herald-eu' });
  });

  it('refuse an endpoint that is not an http(s) URL, naming the variable', () => {
    for (const endpoint of ['otel-collector:4318', 'grpc://otel-collector:4317']) {
      expect(() => loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toThrow(ConfigError);
      expect(() => loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toThrow(
        /OTEL_EXPORTER_OTLP_ENDPOINT: use the base URL of the collector's OTLP\/HTTP receiver/,
      );
    }
  });
});
