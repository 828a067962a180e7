import { DEFAULT_FAST_LANE, type Priority } from '../contract/vocabulary';

/** Where herald's own publishers write events, by priority. */
export interface LaneTopics {
  /** `kafka.topics.incoming`: the events of fast-lane priorities, and every event when `bulk` is not given. */
  incoming: string;
  /**
   * `kafka.topics.bulk` (default `notifications.incoming.bulk`): the events of the other priorities.
   * Not given: they go to `incoming` and intake forwards them.
   */
  bulk?: string;
  /** The workers' `kafka.fastLane`. Default critical and high, the workers' default. */
  fastLane?: readonly Priority[];
}

/**
 * The topic an event of `priority` is written to. An event outside the fast lane written straight
 * to the bulk topic is handled exactly as one intake forwarded there (the bulk lane parses,
 * validates and dead-letters like intake), but costs no triage, no forward and no second read, and
 * never queues in front of a critical event: a backlog of 50,000 normal events produced to
 * `incoming` held the critical events behind it for as long as intake took to forward it
 * (BENCHMARKS.md, issue 17). Raw producers that write everything to `incoming` still work.
 */
export function laneTopic(priority: Priority, lanes: LaneTopics): string {
  if (lanes.bulk === undefined) return lanes.incoming;
  return (lanes.fastLane ?? DEFAULT_FAST_LANE).includes(priority) ? lanes.incoming : lanes.bulk;
}
