/**
 * The layers of src/, top to bottom (docs/architecture.md draws them). A folder may import only
 * folders of lower layers: every arrow points down the pipeline (intake → routing → digests →
 * dispatch → retries → channels …) or into shared infrastructure. Folders of one layer do not
 * import each other. Type-only imports count: a cycle of types is a cycle all the same.
 */
export const LAYERS: string[][] = [
  ['(root)'], // src/main.ts: `npm start`
  ['cli'], // the on-call tool, built on the service's own pieces
  ['service'], // the wiring: builds every stage and starts them
  ['http', 'sweep'],
  ['metrics'],
  ['intake'], // the Kafka lanes
  ['routing'], // the per-event pipeline: dedup, resolve, plan, gate
  ['digests', 'scheduling'],
  ['dispatch'], // one try of one delivery: send once, settle
  ['dlq'],
  ['retries'], // the durable retry store and its poller
  ['rendering'],
  ['channels'], // one file per provider
  ['recipients', 'delivery-state'],
  ['client'], // the producer library backend services import
  ['tracing'],
  ['kafka', 'redis'], // the only folders that speak to kafkajs and ioredis
  ['config'],
  ['contract'], // the event contract and its vocabulary
  ['time'],
  ['shared'], // helpers below every feature: errors, clock, logger, sleep
];
