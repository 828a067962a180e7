import { z } from 'zod';
import { EVENT_TYPES } from '../contract/vocabulary';
import { crossChecks } from './cross-checks';
import { attributionSchema } from './sections/attribution';
import { batchingSchema } from './sections/batching';
import { channelsSchema } from './sections/channels';
import { dedupSchema } from './sections/dedup';
import { deliveryStateSchema } from './sections/delivery-state';
import { frequencyCapsSchema } from './sections/frequency-caps';
import { heartbeatSchema } from './sections/heartbeat';
import { httpSchema } from './sections/http';
import { kafkaSchema } from './sections/kafka';
import { prioritiesSchema } from './sections/priorities';
import { quietHoursSchema } from './sections/quiet-hours';
import { retriesSchema } from './sections/retries';
import { schedulingSchema } from './sections/scheduling';
import { shutdownSchema } from './sections/shutdown';
import { sweepSchema } from './sections/sweep';
import { templateFields } from './sections/templates';

/*
 * The config: one file per section under ./sections, each field describing itself (`.describe()`:
 * its meaning; `.default()`: its default). docs/configuration.md is generated from these
 * (npm run docs:config); the checks that span sections are in ./cross-checks.ts.
 */

/** Every section, each field checked on its own. */
export const configShape = z
  .object({
    kafka: kafkaSchema,
    dedup: dedupSchema,
    deliveryState: deliveryStateSchema,
    channels: channelsSchema,
    retries: retriesSchema,
    batching: batchingSchema,
    scheduling: schedulingSchema,
    quietHours: quietHoursSchema,
    frequencyCaps: frequencyCapsSchema,
    attribution: attributionSchema,
    sweep: sweepSchema,
    priorities: prioritiesSchema,
    ...templateFields,
    shutdown: shutdownSchema,
    http: httpSchema,
    heartbeat: heartbeatSchema,
  })
  .strict();

/** The zod declaration of `config/notification-config.ts`; the type below is inferred from it. */
export const configSchema = configShape.superRefine(crossChecks);

/** The validated configuration every module receives. */
export type HeraldConfig = z.infer<typeof configSchema>;
/** What a config file may contain: everything optional that has a default. */
export type HeraldConfigInput = z.input<typeof configSchema>;

/** Identity helper that gives a config file autocompletion and type errors in the editor. */
export function defineConfig(config: HeraldConfigInput): HeraldConfigInput {
  return config;
}

export type { RateLimitConfig } from './sections/channel-settings';
export type { DigestRuleConfig } from './sections/digest-rules';
export type { FrequencyCapConfig } from './sections/frequency-caps';
export type { HttpLimits } from './sections/http';
export { EVENT_TYPES };
