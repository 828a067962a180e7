import { defineConfig } from '../src/config/schema';

/**
 * Herald's configuration. Product teams edit this file; the service validates it at start-up
 * and refuses to start with a message naming the field and the fix. Every field is optional
 * and falls back to its default: docs/configuration.md lists every field, its default and meaning
 * (generated from the schema in src/config/sections by `npm run docs:config`).
 * `HERALD_CONFIG=path/to/other.json` replaces this file (tests and the demo do).
 */
export default defineConfig({
  kafka: {
    clientId: 'herald',
    topics: { incoming: 'notifications.incoming', dlq: 'notifications.dlq', status: 'notifications.status', bulk: 'notifications.incoming.bulk' },
    // Critical and high events are handled straight from the incoming topic; the rest go through the bulk lane.
    fastLane: ['critical', 'high'],
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
    push: { enabled: true, rateLimit: { perSecond: 100 }, batchSize: 20, maxAttempts: 5, maxTitleLength: 65, maxBodyLength: 240 },
    in_app: { enabled: true, inboxCap: 100 },
    // Partner endpoints are reached with the recipient "webhook:<name>"; signing secrets come from HERALD_WEBHOOK_SECRETS.
    webhook: { enabled: true, endpoints: {}, users: {}, rateLimit: { perSecond: 20 } },
  },
  retries: { pollIntervalMs: 500, claimLeaseMs: 60_000 },
  batching: {
    pollIntervalMs: 1_000,
    // First match wins. Marketing email waits for a daily digest at 09:00 in each recipient's time zone;
    // other normal/low email is grouped by type every 15 minutes.
    rules: [
      {
        name: 'marketing-daily',
        channel: 'email',
        types: ['marketing'],
        window: { cron: '0 9 * * *', timeZone: 'recipient' },
        maxItems: 20,
        overflow: 'summarize',
      },
      { name: 'email-15m', channel: 'email', priorities: ['normal', 'low'], window: { every: '15m' }, groupBy: ['type'], maxItems: 50 },
    ],
  },
  scheduling: { pollIntervalMs: 500, maxHorizon: '365d' },
  // Users' quietHours (PUT /api/users/:id) hold SMS and push until morning; critical goes through.
  quietHours: { channels: ['sms', 'push'], bypassPriorities: ['critical'] },
  // At most 3 marketing notifications per user per day; the rest wait for the next digest.
  frequencyCaps: [{ name: 'marketing-daily', types: ['marketing'], max: 3, window: '1d', onExceed: 'digest' }],
  attribution: {
    channels: {
      email: { utm_source: 'herald', utm_medium: 'email' },
      push: { utm_source: 'herald', utm_medium: 'push' },
      in_app: { utm_source: 'herald', utm_medium: 'in_app' },
    },
    campaignFrom: 'template',
  },
  sweep: { intervalMs: 60_000, stuckAfterMs: 300_000, lateAfterMs: 60_000 },
  priorities: {
    // maxAge: older events are dropped as stale (recorded `skipped`, reason `stale`) rather than sent late.
    critical: { maxLatencyMs: 5_000, batchingAllowed: false, maxAge: '1h' },
    high: { maxLatencyMs: 30_000, batchingAllowed: false, maxAge: '6h' },
    normal: { maxLatencyMs: 600_000, batchingAllowed: true, maxAge: '1d' },
    low: { maxLatencyMs: 3_600_000, batchingAllowed: true, maxAge: '3d' },
  },
  defaultLocale: 'en',
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
        html: '<p>Hello {{payload.name}},</p><p><a href="{{url payload.url}}">Reset your password</a></p>',
      },
      locales: {
        fr: {
          email: {
            subject: 'Réinitialisez votre mot de passe',
            text: 'Bonjour {{payload.name}}, réinitialisez votre mot de passe ici : {{payload.url}}',
            html: '<p>Bonjour {{payload.name}},</p><p><a href="{{url payload.url}}">Réinitialiser votre mot de passe</a></p>',
          },
        },
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
  // A client gets 30 s to send its request (10 s for the headers); a slow or silent one is closed, and one process holds at most 1024 connections.
  http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, maxConnections: 1024 },
  shutdown: { timeoutMs: 15_000 },
});
