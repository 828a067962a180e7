/**
 * `fallback`: always the configured order. The first provider takes every message; the next one
 * is tried only when it fails with a retriable error, is paused by a 429, or its breaker is open.
 */
export function fallbackOrder<P>(providers: readonly P[]): P[] {
  return [...providers];
}
