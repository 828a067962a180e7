import type { Admin } from 'kafkajs';
import { ConfigError } from '../shared/errors';

/** One consumer group's position on one partition, against the partition's end. */
export interface LagRow {
  groupId: string;
  topic: string;
  partition: number;
  /** Offset the group committed (the next message it will read), or null when it never committed on this partition. */
  committed: string | null;
  /** High watermark: offset the next message produced to the partition will get. */
  end: string;
  /**
   * Messages the group has still to read: `end − committed`, or `end − earliest` (low watermark) when
   * nothing is committed, since a new herald group starts from the beginning. A committed offset that
   * retention has overtaken counts from the earliest message still there, never from deleted ones.
   */
  lag: number;
}

/** A consumer group and the topic it reads, as herald runs them. */
export interface GroupTopic {
  groupId: string;
  topic: string;
}

/**
 * The groups herald's worker runs, each with its topic: intake (`groupId` on `topics.incoming`) and
 * the bulk lane (`<groupId>.bulk` on `topics.bulk`, see src/intake/triage.ts).
 */
export function heraldLaneGroups(groupId: string, topics: { incoming: string; bulk: string }): GroupTopic[] {
  return [
    { groupId, topic: topics.incoming },
    { groupId: `${groupId}.bulk`, topic: topics.bulk },
  ];
}

/**
 * Reads how far each group is behind on each partition of its topic: committed offsets from the
 * group coordinator, watermarks from the partition leaders. Rows are sorted by group, topic and
 * partition. Used by `/metrics` (`herald_consumer_lag_messages`) and `herald lag`.
 *
 * Throws a {@link ConfigError} naming any topic the brokers do not have (checked first, because
 * kafkajs would otherwise retry an unknown topic for tens of seconds); connection errors are kafkajs's.
 * @param admin a connected kafkajs admin client.
 */
export async function readConsumerLag(admin: Admin, groups: readonly GroupTopic[]): Promise<LagRow[]> {
  const topics = [...new Set(groups.map((g) => g.topic))];
  if (topics.length === 0) return [];
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    const names = missing.map((t) => `"${t}"`).join(', ');
    throw new ConfigError(
      `topic ${names} does not exist on the brokers; check kafka.topics in the config (herald config check), KAFKA_BROKERS (the right cluster?) and that ` +
        `herald has started once (it creates its topics at start)`,
    );
  }
  const watermarks = new Map(await Promise.all(topics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const)));
  const rows = await Promise.all(
    groups.map(async ({ groupId, topic }) => {
      const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committedBy = new Map((fetched?.partitions ?? []).map((p) => [p.partition, p.offset]));
      return (watermarks.get(topic) ?? []).map(({ partition, high, low }): LagRow => {
        const offset = committedBy.get(partition);
        // kafkajs reports "-1" for a partition the group never committed on.
        const committed = offset === undefined || BigInt(offset) < 0n ? null : offset;
        const from = committed === null || BigInt(committed) < BigInt(low) ? BigInt(low) : BigInt(committed);
        const lag = BigInt(high) > from ? Number(BigInt(high) - from) : 0;
        return { groupId, topic, partition, committed, end: high, lag };
      });
    }),
  );
  return rows.flat().sort((a, b) => compare(a.groupId, b.groupId) || compare(a.topic, b.topic) || a.partition - b.partition);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
