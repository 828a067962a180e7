/**
 * `round-robin`: turn `turn` starts at provider `turn mod n` and keeps the others, in order, as
 * fallbacks. The turn is a counter shared by every worker (Redis INCR), so the group as a whole
 * spreads messages evenly, not each worker on its own.
 */
export function roundRobinOrder<P>(providers: readonly P[], turn: number): P[] {
  if (providers.length === 0) return [];
  const start = ((turn % providers.length) + providers.length) % providers.length;
  return [...providers.slice(start), ...providers.slice(0, start)];
}
