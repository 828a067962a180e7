import type { GuardedProvider } from '../channels/circuit-breaker';
import { STRATEGIES, type StrategyName } from '../channels/strategies';

/**
 * The order in which one delivery tries its channel's providers, per the channel's strategy.
 * The shared round-robin turn is fetched only when it matters (round-robin over several providers).
 */
export async function orderProviders(
  providers: readonly GuardedProvider[],
  strategy: StrategyName,
  nextTurn: () => Promise<number>,
): Promise<GuardedProvider[]> {
  const turn = strategy === 'round-robin' && providers.length > 1 ? await nextTurn() : 0;
  return STRATEGIES[strategy](providers, turn);
}
