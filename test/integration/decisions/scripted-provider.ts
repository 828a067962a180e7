import type { ChannelProvider, OutboundMessage, SendResult } from '../../../src/channels/types';
import type { Channel } from '../../../src/contract/vocabulary';
import type { DeadLetter, DlqPublisher } from '../../../src/dlq/dlq-publisher';

/** What one provider call does: accept, throw the error, or run the function (to hang, or answer late). */
export type Step = 'accept' | Error | ((message: OutboundMessage) => Promise<SendResult>);

/** A provider at the edge of the system (the vendor), told by each test what its calls do. */
export interface ScriptedProvider {
  provider: ChannelProvider;
  /** Messages it accepted, in order. */
  accepted: OutboundMessage[];
  /** Delivery ids of every call, accepted or not, in order. */
  calls: string[];
  /** Queues what the next calls do, one step each; once they are used, calls do what {@link always} says. */
  next(...steps: Step[]): void;
  /** What every call does once the queued steps are used (accept until told otherwise). */
  always(step: Step): void;
}

/** A {@link ScriptedProvider} with id `<channel>-scripted` unless told. */
export function scriptedProvider(channel: Channel, id = `${channel}-scripted`): ScriptedProvider {
  const accepted: OutboundMessage[] = [];
  const calls: string[] = [];
  const queue: Step[] = [];
  let otherwise: Step = 'accept';
  const provider: ChannelProvider = {
    id,
    channel,
    async send(message) {
      calls.push(message.deliveryId);
      const step = queue.shift() ?? otherwise;
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step(message);
      accepted.push(message);
      return { providerMessageId: `${id}-${accepted.length}` };
    },
  };
  return { provider, accepted, calls, next: (...steps) => void queue.push(...steps), always: (step) => void (otherwise = step) };
}

/**
 * A call that waits until the test ends it: `step` for {@link ScriptedProvider.next}, `started`
 * once the provider is inside the call, `release` to answer (accepted, or with the error).
 */
export function heldCall() {
  let arrived!: () => void;
  let answer!: (outcome: { error?: Error }) => void;
  const started = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<{ error?: Error }>((resolve) => (answer = resolve));
  const step: Step = async (message) => {
    arrived();
    const { error } = await released;
    if (error) throw error;
    return { providerMessageId: `held-${message.deliveryId}` };
  };
  return { step, started, release: (error?: Error) => answer({ error }) };
}

/** A call that answers after `ms` of real time (a breaker timeout is a real timer): accepted, or with the error. */
export const lateAnswer =
  (ms: number, error?: Error): Step =>
  async (message) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (error) throw error;
    return { providerMessageId: `late-${message.deliveryId}` };
  };

/**
 * The DLQ port without Kafka: keeps every dead letter it is given, in order. Invalid messages are
 * refused (none reaches the deciders under test; intake's own tests cover them on the broker).
 */
export function recordingDlq(): DlqPublisher & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return {
    letters,
    rejectMessage: async () => Promise.reject(new Error('recordingDlq takes delivery and digest letters only; test invalid messages against the broker')),
    deadLetterDelivery: async (letter) => void letters.push(letter),
    deadLetterDigest: async (letter) => void letters.push(letter),
  };
}
