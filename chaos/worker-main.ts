/**
 * One chaos worker: the real service process (src/service/serve.ts, what `npm start` runs), with
 * Google's two hosts routed to the chaos run's local FCM (CHAOS_FCM_PORT). firebase-admin
 * hard-codes fcm.googleapis.com and oauth2.googleapis.com, so, as test/support/fcm-endpoint.ts
 * explains, the send API is reached through an https agent whose sockets open to the local port,
 * and the OAuth2 call through the `window.fetch` that google-auth-library's gaxios prefers.
 */
import { messageOf } from '../src/shared/errors';
import { serve } from '../src/service/serve';
import { agentTo } from '../test/support/fcm-endpoint';

const port = Number(process.env.CHAOS_FCM_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('chaos worker: CHAOS_FCM_PORT must be the local FCM endpoint port (chaos/run.ts sets it)');
  process.exit(2);
}

const TOKEN_URL = 'https://oauth2.googleapis.com/token';
(globalThis as { window?: unknown }).window = {
  fetch: (input: string | URL, init?: RequestInit) =>
    String(input) === TOKEN_URL
      ? fetch(`http://127.0.0.1:${port}/token`, init)
      : Promise.reject(new Error(`chaos worker: only ${TOKEN_URL} is routed, not ${String(input)}`)),
};

const fcmAgent = agentTo(port, { keepAlive: true });

serve({ fcmAgent }).catch((error: unknown) => {
  console.error(messageOf(error));
  process.exit(1);
});
