/** Events exactly as producers emit them, shared by the contract tests. */

/** A version 1 event as existing producers send it: no `version`, no template/locale/category. */
export function v1Event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt-0001',
    type: 'transactional',
    priority: 'high',
    payload: { name: 'Ada', url: 'https://example.com/reset/abc' },
    recipients: ['user-42'],
    channels: ['email', 'in_app'],
    createdAt: '2026-01-31T09:00:00Z',
    deduplicationKey: 'password-reset:user-42:abc',
    ...overrides,
  };
}

/** A version 2 event using every field v2 added. */
export function v2Event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 2,
    ...v1Event(),
    template: 'password-reset',
    locale: 'fr-CA',
    category: 'security',
    sendAt: '2026-01-31T10:00:00+01:00',
    ...overrides,
  };
}

/** The bytes of a value as they arrive from Kafka. */
export function bytes(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}
