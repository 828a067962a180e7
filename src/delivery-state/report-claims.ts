import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** What claiming a signed report found: apply it, refuse it as a replay, or leave it to the request applying it now. */
export type ReportClaim = 'claimed' | 'replayed' | 'busy';

/** Options of {@link createReportClaims}. */
export interface ReportClaimsOptions {
  redis: RedisClient;
  keys: RedisKeys;
  /**
   * How long an applied report stays refused, in seconds: `deliveryState.retentionSeconds` (default
   * 7 days). The SID's link to its delivery is stored at send time for that long, so once a claim
   * expires a replay of the report finds no delivery and changes nothing.
   */
  retentionSeconds: number;
  /**
   * How long a claim holds, in ms, when its request dies between claiming and settling or releasing
   * it (the process killed, Redis gone); meanwhile the same report answers 503. Default 15 000:
   * Twilio waits 15 s for an answer, then counts the request as failed and may send it again, which
   * should then be applied. Applying one report takes milliseconds.
   */
  leaseMs?: number;
}

/**
 * The once-only ledger of signed status callbacks (Twilio's carry no timestamp, so a captured one
 * stays valid forever): a report is claimed before it is applied, settled once applied, and
 * released when applying failed so that the provider's retry of it is applied. Keys by
 * `keys.twilioReport`, one per report, each on its own hash tag.
 */
export function createReportClaims(options: ReportClaimsOptions) {
  const { redis, keys, retentionSeconds } = options;
  const leaseMs = options.leaseMs ?? 15_000;
  const claim = loadScript(redis, 'report-claim', 1);
  const release = loadScript(redis, 'report-release', 1);
  return {
    /** Claims the report for `leaseMs`: `claimed`, `replayed` (applied before) or `busy` (being applied by another request). */
    async claim(fingerprint: string): Promise<ReportClaim> {
      return (await claim([keys.twilioReport(fingerprint)], [leaseMs])) as ReportClaim;
    },
    /** Marks a claimed report applied, refused from now on for `retentionSeconds`. */
    async settle(fingerprint: string): Promise<void> {
      await redis.set(keys.twilioReport(fingerprint), 'applied', 'EX', retentionSeconds);
    },
    /** Gives back the claim of a report that could not be applied (a settled one is kept). */
    async release(fingerprint: string): Promise<void> {
      await release([keys.twilioReport(fingerprint)], []);
    },
  };
}

/** The report ledger, as returned by {@link createReportClaims}. */
export type ReportClaims = ReturnType<typeof createReportClaims>;
