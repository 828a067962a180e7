import type { HeraldConfigInput } from '../src/config/schema';
import { BENCH_TEMPLATE } from './events';

/** A scenario's own topics. */
export interface BenchTopics {
  incoming: string;
  bulk: string;
  status: string;
  dlq: string;
}

/** Partitions of every bench topic: the worker's topics and the ceiling's. */
export const BENCH_PARTITIONS = 3;

/** The topics of scenario `name` in run `runId`. */
export function benchTopics(runId: string, name: string): BenchTopics {
  const base = `${runId}.${name}`;
  return { incoming: `${base}.incoming`, bulk: `${base}.bulk`, status: `${base}.status`, dlq: `${base}.dlq` };
}

/**
 * The worker's config (HERALD_CONFIG): the scenario's topics, email through the `smtp` provider
 * (to the bench's sink) and in-app through `in-app`, nothing batched (normal and low events are
 * sent at once, not digested), no rate limits or caps, and the bench event's template. Everything
 * else keeps the service's defaults, which is what is being measured.
 */
export function benchWorkerConfig(topics: BenchTopics): HeraldConfigInput {
  return {
    kafka: { clientId: 'herald-bench', topics, partitions: BENCH_PARTITIONS, replicationFactor: 1 },
    channels: {
      email: { enabled: true, providers: ['smtp'] },
      in_app: { enabled: true, providers: ['in-app'] },
      sms: { enabled: false },
      push: { enabled: false },
      webhook: { enabled: false },
    },
    batching: { channels: [] },
    templates: {
      [BENCH_TEMPLATE]: {
        email: {
          subject: 'Order {{payload.orderId}} has shipped',
          text: 'Hi {{payload.customerName}},\n\n{{payload.message}}\n\nTrack it with {{payload.carrier}}: {{payload.url}}\nTotal: {{payload.total}}',
        },
        in_app: { title: '{{payload.title}}', text: '{{payload.message}}' },
      },
    },
  };
}
