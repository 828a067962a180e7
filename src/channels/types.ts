import type { Channel } from '../contract/vocabulary';

/** What a template produced for one delivery; each channel uses the fields it needs. */
export interface RenderedContent {
  /** Email subject. */
  subject: string;
  /** Plain text: email text part, SMS body, push and in-app body. */
  text: string;
  /** Email HTML part, every payload value HTML-escaped. */
  html: string;
  /** Push and in-app title. */
  title: string;
}

/** One message handed to a provider: one recipient on one channel. */
export interface OutboundMessage {
  /** Stable id of this delivery (`eventId|recipientId|channel`, or a digest id); same on every retry. */
  deliveryId: string;
  /** Sent to providers that deduplicate (e.g. as the email Message-ID), so a retry is recognisable. */
  idempotencyKey: string;
  eventId: string;
  channel: Channel;
  /** Log-safe recipient id: a user id, or `direct:<hash>` for a direct address. */
  recipientId: string;
  /** Where to send: email address, E.164 phone number, push tokens, the user id for in-app, or the webhook URL. */
  to: string[];
  locale?: string;
  content: RenderedContent;
  /** Event type, priority and payload for providers that store structured data (in-app). */
  meta: { type: string; priority: string; createdAt: string; payload: Record<string, unknown> };
}

/** What a provider reports after accepting a message. */
export interface SendResult {
  /** The provider's id for the message (SMTP message id, Twilio SID, file name…). */
  providerMessageId?: string;
  /**
   * Per-address outcome, from providers that accept some addresses and refuse others (SMTP).
   * Holds raw addresses: store it if needed, never log it.
   */
  recipients?: { accepted: string[]; rejected: string[] };
  /**
   * True when the receiver itself confirmed it holds the message (in-app inbox written, webhook
   * answered 2xx): the delivery moves on from `sent` to `delivered` at once.
   */
  delivered?: boolean;
}

/**
 * A channel provider (after notifme-sdk): an id and a send that resolves when the provider
 * accepted the message, or throws a RetriableError / PermanentError from src/shared/errors.ts.
 */
export interface ChannelProvider {
  readonly id: string;
  readonly channel: Channel;
  send(message: OutboundMessage): Promise<SendResult>;
  /** True when the provider reports delivery later by callback (Twilio): herald remembers its message ids. */
  readonly callbacks?: boolean;
  /** Releases pooled connections at shutdown. */
  close?(): Promise<void>;
}

/**
 * The providers of each channel in configured order, each behind its breaker: a typed map
 * rather than a switch. (`GuardedProvider` is a ChannelProvider plus its breaker's state.)
 */
export type ProviderMap = Record<Channel, readonly import('./circuit-breaker').GuardedProvider[]>;
