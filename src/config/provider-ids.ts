import type { Channel } from '../contract/vocabulary';

/*
 * The names the config uses for providers (`channels.<c>.providers`); src/channels builds one
 * provider per id. Here, with the config that validates them, below the channels that implement them.
 */

/** Provider ids herald can build, per channel (`*-outbox` are the local file sinks). */
export const PROVIDER_IDS = {
  email: ['smtp', 'email-outbox'],
  sms: ['twilio', 'sms-outbox'],
  push: ['fcm', 'push-outbox'],
  in_app: ['in-app'],
  webhook: ['webhook'],
} as const satisfies Record<Channel, readonly string[]>;

/** A provider id valid for channel `C`. */
export type ProviderId<C extends Channel = Channel> = (typeof PROVIDER_IDS)[C][number];
