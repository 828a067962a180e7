import fc from 'fast-check';
import type { Producer } from 'kafkajs';
import { systemClock } from '../../../src/shared/clock';
import { completeEvent } from '../../../src/contract/complete-event';
import { uniqueName } from '../../support/infra';
import { baseEvent, eventArbitraries, slowDraws, withFields } from './arbitraries';
import { callAll, getJson, httpProblems, slowest, type HttpInput, type HttpResult } from './http-calls';
import { headerInputs, oddBodies, pathInputs, profileArbitraries, profileInputs } from './http-inputs';
import { describeInput, sampleEvents, type HostileInput } from './hostile-input';
import { TIMESTAMPS, headerDraws, keyDraws, rawInputs, sendPinned } from './kafka-inputs';
import { expectedOf, type Accounting, type Tracked } from './outcomes';
import { SLOW_STRINGS } from './strings';

/**
 * The batches of the hostile suite. Each draws its inputs first (not measured), then sends them
 * over Kafka or HTTP; the suite measures the event loop and the canary around the sending and
 * the accounting of what became of every input.
 */

/** What every batch needs from the running suite. */
export interface SuiteContext {
  url: string;
  producer: Producer;
  incoming: string;
  partitions: number;
  acc: Accounting;
  /** A user with an address on every channel (and a webhook URL). */
  full: string;
}

/** What a batch sent: the inputs to account for, problems found on the way, and a note for the report line. */
export interface Sent {
  tracked: Tracked[];
  problems: string[];
  note?: string;
}

/** A batch with its inputs drawn, ready to send. */
export interface Prepared {
  inputs: HostileInput[];
  send(): Promise<Sent>;
}

/** One batch: a name (the field it aims at) and how it draws its inputs from a seed. */
export interface Batch {
  name: string;
  prepare(ctx: SuiteContext, seed: number): Prepared;
}

/** Sends Kafka inputs and says what must become of each; a past-limit input the contract accepts is a problem at once. */
async function sendKafka(ctx: SuiteContext, inputs: HostileInput[]): Promise<Sent> {
  const at = await sendPinned(ctx.producer, ctx.incoming, ctx.partitions, inputs);
  const tracked = inputs.map((input, i): Tracked => ({ input, expected: expectedOf(input), at: at[i] }));
  const problems = tracked
    .filter((t) => t.input.mustReject && 'event' in t.expected)
    .map((t) => `the contract accepts an input past its limits: ${describeInput(t.input)}`);
  return { tracked, problems };
}

type Draws = (ctx: SuiteContext, seed: number, id: (i: number) => string) => HostileInput[];

/** A Kafka batch of `draw`'s inputs, each with an id of the batch's own; `after` may wait for more than the accounting does. */
const kafkaWith = (name: string, draw: Draws, after?: (ctx: SuiteContext, sent: Sent) => Promise<Sent>): Batch => ({
  name: `kafka ${name}`,
  prepare(ctx, seed) {
    const batchId = uniqueName('h');
    const inputs = draw(ctx, seed, (i) => `${batchId}-${i}`);
    return { inputs, send: async () => (after ? after(ctx, await sendKafka(ctx, inputs)) : sendKafka(ctx, inputs)) };
  },
});
const kafka = (name: string, draw: Draws) => kafkaWith(name, draw);

/** One Kafka batch per event field. */
export function eventFieldBatches(perField: Record<string, number>): Batch[] {
  return Object.entries(perField).map(([field, count]) =>
    kafka(`event ${field}`, (ctx, seed, id) => sampleEvents(eventArbitraries(ctx.full)[field]!, field, count, seed, (i) => baseEvent(id(i), ctx.full))),
  );
}

const valid = (ctx: SuiteContext, id: string) => Buffer.from(JSON.stringify(baseEvent(id, ctx.full)));

/** Headers, keys, and the chaos run's malformed messages. */
export const kafkaOnlyBatches: Batch[] = [
  kafka('headers', (ctx, seed, id) =>
    fc.sample(headerDraws, { numRuns: 40, seed }).map((d, i) => ({ field: d.field, value: valid(ctx, id(i)), headers: d.headers, mustReject: false })),
  ),
  kafka('keys', (ctx, seed, id) =>
    fc.sample(keyDraws, { numRuns: 30, seed }).map((d, i) => ({ field: d.field, value: valid(ctx, id(i)), key: d.key, mustReject: false })),
  ),
  kafka('raw messages (chaos/hostile.ts)', (_ctx, seed) => rawInputs(4, seed)),
  // Each timestamp on a valid event and on a message that is none: a dead letter records where its message came from, time included.
  kafka('record timestamps', (ctx, _seed, id) =>
    TIMESTAMPS.flatMap((timestamp, i): HostileInput[] => [
      { field: `timestamp ${timestamp}`, value: valid(ctx, id(i)), timestamp, mustReject: false },
      { field: `timestamp ${timestamp} (not an event)`, value: Buffer.from('{"not":"an event"}'), timestamp, mustReject: true },
    ]),
  ),
];

/** Waits (at most `timeoutMs`) until no delivery of the known events is still waiting for its digest; returns those that still are. */
async function digestsSent(ctx: SuiteContext, tracked: Tracked[], timeoutMs: number): Promise<string[]> {
  const ids = tracked.flatMap((t) => ('event' in t.expected ? [t.expected.event.id] : []));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ids.map((id) => getJson(ctx.url, `/api/notifications/${encodeURIComponent(id)}`)));
    const waiting = ids.filter((_, i) => views[i]!.status === 200 && (views[i]!.body.deliveries as { status: string }[]).some((d) => d.status === 'batched'));
    if (waiting.length === 0 || Date.now() > deadline) return waiting.map((id) => `after ${timeoutMs} ms, event ${id} still waits for its digest`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Normal-priority email events with hostile payloads: they go through the bulk lane into digests
 * (the suite's digest window is 2 s), and the batch waits until the digests were sent, so their rendering is measured too.
 */
export const digestBatch: Batch = kafkaWith(
  'digests of hostile payloads',
  (ctx, seed, id) =>
    sampleEvents(eventArbitraries(ctx.full).payload!, 'payload (digest)', 20, seed, (i) => ({
      ...baseEvent(id(i), ctx.full),
      priority: 'normal',
      channels: ['email'],
    })),
  async (ctx, sent) => ({ ...sent, problems: [...sent.problems, ...(await digestsSent(ctx, sent.tracked, 20_000))] }),
);

/** What the contract makes of a POST /api/notify body: the completed event, or null when it refuses it. */
function notifyVerdict(body: Buffer | null): ReturnType<typeof completeEvent> | null {
  try {
    return completeEvent(JSON.parse(body?.toString('utf8') ?? ''), systemClock);
  } catch {
    return null;
  }
}

/** The problems of notify answers beyond httpProblems', and the accepted events to account for. */
function notifyOutcomes(results: HttpResult[]): Sent {
  const problems = httpProblems(results);
  const tracked: Tracked[] = [];
  for (const { input, status, body } of results) {
    const local = notifyVerdict(input.value);
    if (status === 202 && !local) problems.push(`accepted what the contract refuses: ${describeInput(input)}`);
    // Beyond the contract, HTTP refuses events due past the horizon and keys that set a prototype (docs/http-api.md).
    if (status === 400 && local && !['send_at_too_far', 'forbidden_key'].includes(body?.error))
      problems.push(`refused a valid event with ${body?.error} (${String(body?.message).slice(0, 120)}): ${describeInput(input)}`);
    if (status === 202) tracked.push({ input, expected: { event: { id: body.id, deduplicationKey: local?.deduplicationKey } } });
  }
  return { tracked, problems, note: `slowest answer ${slowest(results)}` };
}

const NOTIFY_DRAWS: Record<string, number> = { payload: 32, recipients: 12 };

/** POST /api/notify with every event field's draws, a third of them in the short form (no id, createdAt, version). */
export const notifyBatch: Batch = {
  name: 'http POST /api/notify',
  prepare(ctx, seed) {
    const batchId = uniqueName('n');
    const base = (field: string) => (i: number) => {
      const { id: _id, createdAt: _c, version: _v, ...short } = baseEvent(`${batchId}-${field}-${i}`, ctx.full);
      return i % 3 === 2 ? short : baseEvent(`${batchId}-${field}-${i}`, ctx.full);
    };
    // More draws where the shapes are many (payload, recipients).
    const events = Object.entries(eventArbitraries(ctx.full)).flatMap(([field, arbitrary], k) =>
      sampleEvents(arbitrary, field, NOTIFY_DRAWS[field] ?? 6, seed + k, base(field)),
    );
    const inputs: HttpInput[] = [
      ...events.map((e): HttpInput => ({ ...e, field: `POST /api/notify ${e.field}`, method: 'POST', path: '/api/notify' })),
      ...oddBodies(),
    ];
    return { inputs, send: async () => notifyOutcomes(await callAll(ctx.url, inputs)) };
  },
};

/** One event to each chunk of `users`, on every channel: a stored profile must not break what reads it. */
async function followUp(ctx: SuiteContext, users: string[], field: string): Promise<Sent> {
  const chunks = Array.from({ length: Math.ceil(users.length / 50) }, (_, i) => users.slice(i * 50, i * 50 + 50));
  const inputs = chunks.map((chunk): HostileInput => ({
    field,
    value: Buffer.from(JSON.stringify({ ...baseEvent(uniqueName('follow'), ctx.full), recipients: chunk })),
    mustReject: false,
  }));
  return sendKafka(ctx, inputs);
}

/** PUT /api/users/:id with every profile field's draws; every stored profile is read back and sent an event. */
export const usersBatch: Batch = {
  name: 'http PUT /api/users/:id',
  prepare(ctx, seed) {
    const prefix = uniqueName('u');
    const inputs = Object.entries(profileArbitraries).flatMap(([field, arbitrary], k) => profileInputs(arbitrary, field, 12, seed + k, `${prefix}-${k}`));
    return {
      inputs,
      async send() {
        const puts = await callAll(ctx.url, inputs);
        const stored = puts.filter((r) => r.status === 200).map((r) => r.input.path.slice('/api/users/'.length));
        const reads = await callAll(
          ctx.url,
          stored.map((id): HttpInput => ({ field: 'GET stored profile', method: 'GET', path: `/api/users/${id}`, value: null, mustReject: false })),
        );
        const unread = reads.filter((r) => r.status !== 200).map((r) => `a stored profile reads back ${r.status}: ${r.input.path}`);
        const events = await followUp(ctx, stored, 'event to hostile profiles');
        return {
          tracked: events.tracked,
          problems: [...httpProblems([...puts, ...reads]), ...unread, ...events.problems],
          note: `${stored.length} profiles stored; slowest answer ${slowest([...puts, ...reads])}`,
        };
      },
    };
  },
};

/** Odd ids in every route's path, odd query strings on the inbox. */
export const pathsBatch: Batch = {
  name: 'http paths and query strings',
  prepare(ctx) {
    const inputs = pathInputs(ctx.full);
    return {
      inputs,
      send: async () => ({
        tracked: [],
        ...(await callAll(ctx.url, inputs).then((r) => ({ problems: httpProblems(r), note: `slowest answer ${slowest(r)}` }))),
      }),
    };
  },
};

/** Request headers: the API key in odd forms, trace context junk, content types, sizes past Node's limits. */
export const headersBatch: Batch = {
  name: 'http request headers',
  prepare(ctx) {
    const inputs = headerInputs(ctx.full);
    return { inputs, send: async () => notifyOutcomes(await callAll(ctx.url, inputs)) };
  },
};

/**
 * The inputs issue 15 found slow (findings 3 to 5), one batch each so that a failure names the input:
 * over Kafka, over HTTP, and a profile with the long locale followed by an event to that user.
 */
export const slowBatches: Batch[] = [
  ...Object.entries(slowDraws()).flatMap(([name, d]): Batch[] => [
    kafka(`issue 15: ${name}`, (ctx, _seed, id) => [{ field: name, value: Buffer.from(withFields(baseEvent(id(0), ctx.full), d.set)), mustReject: false }]),
    {
      name: `http issue 15: ${name}`,
      prepare(ctx) {
        const inputs: HttpInput[] = [
          {
            field: `POST /api/notify ${name}`,
            method: 'POST',
            path: '/api/notify',
            value: Buffer.from(withFields(baseEvent(uniqueName('slow'), ctx.full), d.set)),
            mustReject: false,
          },
        ];
        return { inputs, send: async () => notifyOutcomes(await callAll(ctx.url, inputs)) };
      },
    },
  ]),
  kafka('issue 15: key and headers "a" x 50000 + " @"', (ctx, _seed, id) => [
    { field: 'key', value: valid(ctx, id(0)), key: Buffer.from(SLOW_STRINGS.wordsBeforeAt), mustReject: false },
    {
      field: 'header traceparent and x-note',
      value: valid(ctx, id(1)),
      headers: { traceparent: SLOW_STRINGS.wordsBeforeAt, 'x-note': SLOW_STRINGS.wordsBeforeAt },
      mustReject: false,
    },
    { field: 'key of a malformed message', value: Buffer.from(SLOW_STRINGS.wordsBeforeAt), key: Buffer.from(SLOW_STRINGS.wordsBeforeAt), mustReject: true },
  ]),
  {
    name: 'http issue 15: profile locale en + "-ab" x 3000, then an event to the user',
    prepare(ctx) {
      const user = uniqueName('slow-locale');
      const inputs: HttpInput[] = [
        {
          field: 'PUT /api/users/:id locale',
          method: 'PUT',
          path: `/api/users/${user}`,
          value: Buffer.from(JSON.stringify({ locale: SLOW_STRINGS.locale })),
          mustReject: false,
        },
      ];
      return {
        inputs,
        async send() {
          const put = await callAll(ctx.url, inputs);
          // Refused is fine too (a stricter locale rule); stored, it must not slow what renders for the user.
          const events = put[0]!.status === 200 ? await followUp(ctx, [user], 'event to the user with the long locale') : { tracked: [], problems: [] };
          return { tracked: events.tracked, problems: [...httpProblems(put), ...events.problems], note: `profile answered ${put[0]!.status}` };
        },
      };
    },
  },
];
