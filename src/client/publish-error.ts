import { RetriableError } from '../shared/errors';

/**
 * Kafka did not take the events: nothing is known to be written. Publish the same events again
 * with the ids in `eventIds` (generated ids included); if an earlier attempt did reach Kafka,
 * herald sees the same id twice and still delivers once.
 */
export class PublishError extends RetriableError {
  /** Ids of the events of the failed call, in input order. */
  readonly eventIds: string[];

  constructor(message: string, eventIds: string[], cause: unknown) {
    super(message, 'publish_failed', cause);
    this.eventIds = eventIds;
  }
}
