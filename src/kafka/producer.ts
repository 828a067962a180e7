import { Kafka, Partitioners, type Message } from 'kafkajs';
import type { KafkaClient, KafkaProducer, OutgoingMessage } from './types';

/** How long a producer keeps trying when the brokers do not answer. */
export type ProducerPatience =
  /** The service: waits out broker restarts and failovers for as long as they take (its callers retry in place). */
  | 'forever'
  /** The CLI and backend services: the client's own retry settings (a few tries), then the caller hears of it. */
  | 'a-few-tries';

const RETRY = {
  forever: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
  // Left to the client, so a backend service's own retry settings on its kafkajs client apply.
  'a-few-tries': undefined,
} as const;

/**
 * Every producer herald builds, with one set of settings: idempotent (acks from all in-sync
 * replicas, one request in flight), so a retry inside the client never writes a message twice or
 * out of order; topics are never created by a send (herald creates its own; a misspelt topic fails
 * here); the default partitioner (murmur2 on the key, as Java clients), so one key stays on one
 * partition whoever produces it. `onPartition` hears the partition chosen for each message.
 */
export function createProducer(
  kafka: KafkaClient,
  patience: ProducerPatience,
  onPartition?: (message: OutgoingMessage, partition: number) => void,
): KafkaProducer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: RETRY[patience],
    createPartitioner: () => {
      const partitioner = Partitioners.DefaultPartitioner();
      if (!onPartition) return partitioner;
      return (args) => {
        const partition = partitioner(args);
        onPartition(args.message as Message, partition);
        return partition;
      };
    },
  });
}

/** A client for a backend service that gave only a broker list (its own TLS, SASL or logging need a client of their own). */
export function clientForBrokers(brokers: string[], clientId: string): KafkaClient {
  return new Kafka({ brokers, clientId });
}
