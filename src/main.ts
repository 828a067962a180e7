import { messageOf } from './shared/errors';
import { requireSupportedNode } from './shared/node-version';
import { serve } from './service/serve';

requireSupportedNode();

/** `npm start`: see {@link serve}. */
serve().catch((error: unknown) => {
  // Start-up errors (bad config, bad environment, broker unreachable) go to stderr as they are: they say what to fix.
  console.error(messageOf(error));
  process.exit(1);
});
