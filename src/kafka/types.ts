import type { Admin, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Message, Producer, RecordMetadata } from 'kafkajs';

/*
 * What herald uses of a Kafka client, named once. kafkajs implements it today; every folder but
 * src/kafka/ speaks these types, never kafkajs's, so a move to another client (docs/architecture.md)
 * is this folder's work: implement these shapes and the few functions beside them.
 */

/** The client: creates consumers, producers and admin clients. Only src/kafka/ calls it. */
export type KafkaClient = Kafka;

/** Headers of a message: Buffers when consumed, strings when produced, arrays when a name repeats. */
export type MessageHeaders = IHeaders;

/** A message as herald reads it from a partition. */
export type ConsumedMessage = Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>;

/** A message as herald writes it. */
export type OutgoingMessage = Pick<Message, 'key' | 'value' | 'headers'>;

/** What herald asks of a producer: send messages to a topic, acknowledged by every in-sync replica when `acks` is -1. */
export interface MessageSink {
  send(request: { topic: string; acks?: number; messages: OutgoingMessage[] }): Promise<unknown>;
}

/** Where one send's messages were written: partition and base offset, per partition. */
export type SendReceipt = RecordMetadata;

/** A connected producer (idempotent, one request in flight: src/kafka/producer.ts). */
export type KafkaProducer = Producer;

/** An admin client, for topics, offsets and groups. */
export type KafkaAdmin = Admin;

/**
 * One fetched batch of one partition and the controls of its turn: resolve an offset once every
 * message up to it is done, heartbeat while waiting, commit what is resolved, and whether the turn
 * is still this worker's.
 */
export type PartitionBatch = Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'commitOffsetsIfNecessary' | 'isRunning' | 'isStale'> & {
  batch: { topic: string; partition: number; messages: KafkaMessage[] };
};
