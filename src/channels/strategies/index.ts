import { fallbackOrder } from './fallback';
import { roundRobinOrder } from './round-robin';

/** Strategies by config name (`channels.<ch>.strategy`): each orders a channel's providers for one delivery. */
export const STRATEGIES = {
  fallback: (providers, _turn) => fallbackOrder(providers),
  'round-robin': (providers, turn) => roundRobinOrder(providers, turn),
} satisfies Record<string, <P>(providers: readonly P[], turn: number) => P[]>;

/** A strategy name. */
export type StrategyName = keyof typeof STRATEGIES;
