/**
 * Publishing notifications with herald's typed client, from a backend service.
 *   npx tsx examples/produce-with-client.ts [brokers] [topic]
 * Quoted by docs/producers.md; test/integration/client/examples.test.ts runs it on a real broker.
 * In your service, import from 'herald' instead of '../src/client'.
 */
import { HeraldProducer, PublishError, ValidationError, type EventInput, type PublishResult } from '../src/client';

/** Options of {@link publishWithRetry}. */
export interface RetryOptions {
  /** Tries in all, the first included. Default 3. */
  attempts?: number;
  /** Wait before the first retry, doubled for each next one, in ms. Default 500. */
  backoffMs?: number;
  /** Called before each retry (log it, count it). */
  onRetry?: (error: PublishError, attempt: number) => void | Promise<void>;
}

/**
 * Publishes one event, retrying when Kafka did not take it. A retry reuses the event id the first
 * try generated (`error.eventIds[0]`), so if an earlier try did reach Kafka herald still delivers once.
 * A ValidationError is never retried: the event itself is wrong, and the error lists every bad field.
 */
export async function publishWithRetry(herald: HeraldProducer, input: EventInput, options: RetryOptions = {}): Promise<PublishResult> {
  const { attempts = 3, backoffMs = 500 } = options;
  let event = input;
  for (let attempt = 1; ; attempt++) {
    try {
      return await herald.publish(event);
    } catch (error) {
      if (!(error instanceof PublishError) || attempt >= attempts) throw error;
      event = { ...event, id: error.eventIds[0] };
      await options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
    }
  }
}

/** Publishes the events of this example: one at a time, scheduled, and several in one request. */
export async function main({ brokers, topic = 'notifications.incoming' }: { brokers: string[]; topic?: string }): Promise<PublishResult[]> {
  const herald = new HeraldProducer({ brokers, topic, clientId: 'accounts-service' });
  await herald.connect(); // optional: fails fast at start-up instead of on the first publish
  try {
    // One recipient: keyed by "user_42", so user_42's events are handled in the order published.
    const reset = await publishWithRetry(herald, {
      type: 'transactional',
      priority: 'critical',
      template: 'password-reset',
      recipients: ['user_42'],
      channels: ['email'],
      payload: { name: 'Ada', url: 'https://example.com/reset/abc' },
      deduplicationKey: 'password-reset:user_42:abc', // the same reset published twice is delivered once
    });

    // Scheduled: held by herald for two hours after createdAt; DELETE /api/notifications/:id cancels it.
    const reminder = await herald.publish({
      type: 'transactional',
      priority: 'normal',
      recipients: ['user_42'],
      channels: ['push', 'in_app'],
      payload: { title: 'Finish setting up your account' },
      delay: '2h',
    });

    // Several events in one request: all are validated first, and none is sent if one is invalid.
    const launch = await herald.publishMany([
      {
        type: 'marketing',
        priority: 'low',
        category: 'product-news',
        recipients: ['user_7', 'user_8'],
        channels: ['email'],
        payload: { product: 'Ledger' },
        deduplicationKey: 'launch-ledger-2026',
      },
      { type: 'alert', priority: 'high', recipients: ['webhook:billing'], channels: ['webhook'], payload: { invoice: 'inv_981', state: 'overdue' } },
    ]);
    return [reset, reminder, ...launch];
  } catch (error) {
    if (error instanceof ValidationError) console.error('not sent, fix these fields:', error.issues); // [{ path, message }]
    throw error;
  } finally {
    await herald.disconnect();
  }
}

if (require.main === module) {
  const [brokers = '127.0.0.1:9092', topic] = process.argv.slice(2);
  main({ brokers: brokers.split(','), topic }).then(
    (results) => console.log(results),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
