import { defineConfig } from '../src/config/schema';

/**
 * Herald's configuration. Product teams edit this file; the service validates it at start-up
 * and refuses to start with a message naming the field and the fix. Every field is optional
 * and falls back to the default documented in src/config/schema.ts and in README "Configuration".
 * `HERALD_CONFIG=path/to/other.json` replaces this file (tests and the demo do).
 */
export default defineConfig({
  kafka: {
    clientId: 'herald',
    topics: { incoming: 'notifications.incoming', dlq: 'notifications.dlq', status: 'notifications.status' },
    partitions: 6,
    replicationFactor: 1,
  },
  dedup: { ttlSeconds: 24 * 3600 },
  channels: {
    // Providers default to the real one when its variables are set (SMTP_URL, TWILIO_*, GOOGLE_APPLICATION_CREDENTIALS), else the outbox.
    email: { enabled: true, rateLimit: { perSecond: 50, burst: 100 }, batchSize: 10, maxAttempts: 5, retry: { baseDelayMs: 1_000, maxDelayMs: 300_000 } },
    sms: {
      enabled: true,
      rateLimit: { perSecond: 10 },
      batchSize: 5,
      maxAttempts: 5,
      maxSegments: 4,
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 30_000 },
    },
    push: { enabled: true, rateLimit: { perSecond: 100 }, batchSize: 20, maxAttempts: 5 },
    in_app: { enabled: true, inboxCap: 100 },
    // Partner endpoints are reached with the recipient "webhook:<name>"; signing secrets come from HERALD_WEBHOOK_SECRETS.
    webhook: { enabled: true, endpoints: {}, users: {}, rateLimit: { perSecond: 20 } },
  },
  retries: { pollIntervalMs: 500, claimLeaseMs: 60_000 },
  batching: {
    schedule: '*/5 * * * *',
    maxBatch: 50,
    channels: ['email'],
    priorities: ['normal', 'low'],
  },
  priorities: {
    critical: { maxLatencyMs: 5_000, batchingAllowed: false },
    high: { maxLatencyMs: 30_000, batchingAllowed: false },
    normal: { maxLatencyMs: 600_000, batchingAllowed: true },
    low: { maxLatencyMs: 3_600_000, batchingAllowed: true },
  },
  templates: {
    alert: {
      email: { subject: '[{{priority}}] {{payload.title}}', text: '{{payload.message}}' },
      sms: { text: '{{payload.message}}' },
      push: { title: '{{payload.title}}', text: '{{payload.message}}' },
      in_app: { title: '{{payload.title}}', text: '{{payload.message}}' },
    },
    'password-reset': {
      email: {
        subject: 'Reset your password',
        text: 'Hello {{payload.name}}, reset your password here: {{payload.url}}',
        html: '<p>Hello {{payload.name}},</p><p><a href="{{payload.url}}">Reset your password</a></p>',
      },
    },
  },
  digestTemplates: {
    email: {
      subject: 'You have {{count}} new notifications',
      text: '{{#each items}}- {{title}}: {{text}}\n{{/each}}',
      html: '<ul>{{#each items}}<li><strong>{{title}}</strong>: {{text}}</li>{{/each}}</ul>',
    },
  },
  shutdown: { timeoutMs: 15_000 },
});
