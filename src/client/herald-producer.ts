import { clientForBrokers, createProducer } from '../kafka/producer';
import type { KafkaClient, KafkaProducer, OutgoingMessage, SendReceipt } from '../kafka/types';
import { systemClock, type Clock } from '../shared/clock';
import type { EventInput } from '../contract/complete-event';
import { ConfigError, RetriableError, ValidationError, describeError } from '../shared/errors';
import { toEventMessage, type EventMessage } from './event-message';
import { PublishError } from './publish-error';
import { injectTraceContext } from '../tracing/kafka-headers';
import type { Priority } from '../contract/vocabulary';
import { laneTopic, type LaneTopics } from './lane-topic';

/** Options of {@link HeraldProducer}. Give either `kafka` or `brokers`. */
export interface HeraldProducerOptions {
  /** Brokers as `host:port`, used to build a kafkajs client when `kafka` is not given. */
  brokers?: string[];
  /** A kafkajs client to produce with; its TLS, SASL, retry and logging settings apply. Wins over `brokers`. */
  kafka?: KafkaClient;
  /** Topic herald reads events from. Default `notifications.incoming`. */
  topic?: string;
  /**
   * The bulk lane's topic (the workers' `kafka.topics.bulk`, default `notifications.incoming.bulk`). When given,
   * events whose priority is not in `fastLane` are written there rather than to `topic`: the same
   * handling, without intake's forward, and never queued in front of a critical event. Default:
   * none, every event goes to `topic` and intake forwards the others.
   */
  bulkTopic?: string;
  /** The workers' `kafka.fastLane`, used with `bulkTopic`. Default critical and high, the workers' default. */
  fastLane?: readonly Priority[];
  /** Client id reported to the broker when the client is built from `brokers`. Default `herald-producer`. */
  clientId?: string;
  /** Source of `createdAt` for events that do not set it. Default: the wall clock. */
  clock?: Clock;
}

/** Where a published event was written. */
export interface PublishResult {
  /** The topic it was written to: `topic`, or `bulkTopic` for a priority outside the fast lane. */
  topic: string;
  /** The event id (generated when the input had none): keep it to query delivery state or to retry. */
  id: string;
  partition: number;
  offset: string;
}

/**
 * Publishes notification events to herald from a backend service.
 *
 * Every event is validated before anything is sent, so a mistake fails in the caller with a
 * {@link ValidationError} naming each bad field. The producer is idempotent (acks from all
 * in-sync replicas, one request in flight) so the client's own retries never write an event twice.
 *
 * Ordering is per single-recipient event: such an event is keyed by its recipient, so the
 * single-recipient events of one recipient are processed in the order they were published
 * (each publish awaited before the next, or in input order within one `publishMany`).
 * Multi-recipient events are keyed by `deduplicationKey` (else `id`) and have no order
 * relative to other events.
 *
 * @example
 * const herald = new HeraldProducer({ brokers: ['kafka:9092'] });
 * await herald.connect(); // optional: fails fast at start-up instead of on the first publish
 * const { id } = await herald.publish({ type: 'transactional', priority: 'high', recipients: ['user-1'], channels: ['email'], payload: { url } });
 */
export class HeraldProducer {
  private readonly producer: KafkaProducer;
  private readonly topic: string;
  private readonly lanes: LaneTopics;
  private readonly clock: Clock;
  /** The partition kafkajs chose for each message of the current send, to report offsets per event. */
  private readonly partitions = new WeakMap<OutgoingMessage, number>();
  /** The kafkajs connection, in progress or done. */
  private connection?: Promise<void>;

  constructor(options: HeraldProducerOptions) {
    const kafka = options.kafka ?? HeraldProducer.buildKafka(options);
    this.topic = options.topic ?? 'notifications.incoming';
    this.lanes = { incoming: this.topic, bulk: options.bulkTopic, fastLane: options.fastLane };
    this.clock = options.clock ?? systemClock;
    this.producer = createProducer(kafka, 'a-few-tries', (message, partition) => this.partitions.set(message, partition));
  }

  private static buildKafka(options: HeraldProducerOptions): KafkaClient {
    if (!options.brokers?.length) {
      throw new ConfigError('HeraldProducer needs `brokers` (e.g. ["kafka:9092"]) or a kafkajs `kafka` client; neither was given.');
    }
    return clientForBrokers(options.brokers, options.clientId ?? 'herald-producer');
  }

  /**
   * Connects to the brokers and registers the idempotent producer. Call it at start-up to fail
   * fast; otherwise the first publish connects. Calling it again is a no-op once connected.
   * @throws RetriableError when no broker answers; check the broker list and try again.
   */
  async connect(): Promise<void> {
    try {
      await this.connectOnce();
    } catch (error) {
      throw new RetriableError(
        `HeraldProducer could not connect to Kafka (${describeError(error)}); check the broker list and try again.`,
        'kafka_unavailable',
        error,
      );
    }
  }

  /** One kafkajs connect shared by concurrent callers; forgotten when it fails so the next call tries again. */
  private connectOnce(): Promise<void> {
    this.connection ??= this.producer.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  /** Closes the connections. Nothing is buffered: every publish has resolved or failed by then. */
  async disconnect(): Promise<void> {
    this.connection = undefined;
    await this.producer.disconnect();
  }

  /**
   * Validates, completes (`id`, `createdAt`, `version: 2`) and publishes one event; resolves
   * once all in-sync replicas have it.
   * @throws ValidationError when the event breaks the contract; nothing was sent.
   * @throws PublishError (a RetriableError) when Kafka did not take it, connection failures
   *   included; publish again with `error.eventIds[0]` as `id`.
   */
  async publish(input: EventInput): Promise<PublishResult> {
    const [result] = await this.send([toEventMessage(input, this.clock)]);
    return result as PublishResult;
  }

  /**
   * Publishes several events in one request, validating all of them first: if any is invalid,
   * none is sent. Results are in input order.
   * @throws ValidationError listing the problems of every invalid event, paths prefixed `[index]`.
   * @throws PublishError (a RetriableError) when Kafka did not take them, connection failures
   *   included; publish them again with the ids in `error.eventIds`.
   */
  async publishMany(inputs: EventInput[]): Promise<PublishResult[]> {
    const items: EventMessage[] = [];
    const failures: ValidationError[] = [];
    const issues: ValidationError['issues'] = [];
    inputs.forEach((input, index) => {
      try {
        items.push(toEventMessage(input, this.clock));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        failures.push(error);
        issues.push(...error.issues.map((i) => ({ path: i.path === '(root)' ? `[${index}]` : `[${index}].${i.path}`, message: i.message })));
      }
    });
    if (failures.length > 0) {
      const codes = new Set(failures.map((f) => f.code));
      const code = codes.size === 1 ? (failures[0]?.code ?? 'invalid_event') : 'invalid_event';
      throw new ValidationError(
        `${failures.length} of ${inputs.length} events are invalid; nothing was published. Fix the fields listed in issues`,
        issues,
        code,
      );
    }
    return items.length ? this.send(items) : [];
  }

  /** Writes each event to its lane's topic (one request per topic), results in input order. */
  private async send(items: EventMessage[]): Promise<PublishResult[]> {
    const byTopic = new Map<string, number[]>();
    items.forEach((item, index) => {
      const topic = laneTopic(item.event.priority, this.lanes);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), index]);
    });
    await this.connectOrFail(items);
    const results: PublishResult[] = new Array(items.length);
    const sends = [...byTopic].map(async ([topic, indexes]) => {
      const located = await this.sendTo(
        topic,
        indexes.map((i) => items[i]!),
      );
      located.forEach((result, k) => (results[indexes[k]!] = result));
    });
    const failed = (await Promise.allSettled(sends)).find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return results;
  }

  private async connectOrFail(items: EventMessage[]): Promise<void> {
    try {
      await this.connectOnce();
    } catch (error) {
      throw this.notPublished(items, this.topic, error);
    }
  }

  private notPublished(items: EventMessage[], topic: string, error: unknown): PublishError {
    const ids = items.map((i) => i.event.id);
    const listed = ids.length > 5 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
    const what = ids.length === 1 ? `event ${listed} was` : `events ${listed} were`;
    return new PublishError(
      `${what} not published to ${topic} (${describeError(error)}). Check that the brokers are reachable and the topic exists; ` +
        'this can be retried: publish again with the same id, herald delivers each id once.',
      ids,
      error,
    );
  }

  private async sendTo(topic: string, items: EventMessage[]): Promise<PublishResult[]> {
    // The caller's trace continues in herald: its active span's context goes in `traceparent` (no-op without OpenTelemetry).
    const messages: OutgoingMessage[] = items.map((i) => ({ ...i.message, headers: injectTraceContext({ ...i.message.headers }) }));
    let metadata: SendReceipt[];
    try {
      metadata = await this.producer.send({ topic, messages, acks: -1 });
    } catch (error) {
      throw this.notPublished(items, topic, error);
    }
    return this.locate(topic, items, messages, metadata);
  }

  /** Offsets per message: kafkajs reports one base offset per partition, messages follow in order. */
  private locate(topic: string, items: EventMessage[], messages: OutgoingMessage[], metadata: SendReceipt[]): PublishResult[] {
    const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? '-1')]));
    return messages.map((message, index) => {
      const partition = this.partitions.get(message) ?? -1;
      const offset = next.get(partition) ?? -1n;
      if (offset >= 0n) next.set(partition, offset + 1n);
      return { id: (items[index] as EventMessage).event.id, topic, partition, offset: offset.toString() };
    });
  }
}
