import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { privateRangeOf } from '../shared/private-address';

/** A webhook host that is, or resolves to, an address in a non-public range. */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(
    /** The address refused (never a URL: paths and queries can hold tokens). */
    readonly address: string,
    /** The range it lies in, e.g. `loopback (127.0.0.0/8)`. */
    readonly range: string,
  ) {
    super(`${address} is a ${range} address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * `dns.lookup`, refusing every answer that holds a non-public address. It runs when the socket
 * connects, so the address checked is the address connected to: a name that resolves to a public
 * address when the config is checked and to 127.0.0.1 later (DNS rebinding) is refused then.
 * Any private address among the answers refuses them all: a name mixing both is not a partner's.
 */
export const publicOnlyLookup = ((
  hostname: string,
  options: LookupOptions,
  callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const refused = addresses.map((a) => ({ address: a.address, range: privateRangeOf(a.address) })).find((a) => a.range !== null);
    if (refused) return callback(new PrivateAddressError(refused.address, refused.range!), '');
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}) as LookupFunction;

/** The answer to a POST: its status line and headers (herald reads nothing of the body). */
export interface PostAnswer {
  status: number;
  statusText: string;
  header(name: string): string | null;
}

/** Options of {@link createWebhookTransport}. */
export interface WebhookTransportOptions {
  /** Allow loopback, private and link-local receivers (`channels.webhook.allowPrivateAddresses`). Default false. */
  allowPrivateAddresses?: boolean;
}

/**
 * POSTs for the webhook provider over pooled keep-alive connections, refusing non-public addresses
 * unless allowed: a literal IP host before connecting (Node skips the lookup for those), any other
 * host by {@link publicOnlyLookup} on every connection. Rejects with a PrivateAddressError for a
 * refused address, with the signal's reason once `signal` aborts, else with the socket's error.
 */
export function createWebhookTransport(options: WebhookTransportOptions = {}) {
  const lookup = options.allowPrivateAddresses ? undefined : publicOnlyLookup;
  const agents = { 'http:': new http.Agent({ keepAlive: true, lookup }), 'https:': new https.Agent({ keepAlive: true, lookup }) };

  function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
    // `new URL` already turned 2130706433, 0x7f.1 and [::ffff:127.0.0.1] into dotted or compressed form.
    const range = options.allowPrivateAddresses ? null : privateRangeOf(url.hostname);
    if (range) return Promise.reject(new PrivateAddressError(url.hostname, range));
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    return new Promise<PostAnswer>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent,
        signal,
      });
      request.on('error', (error) => reject(signal.aborted ? signal.reason : error));
      request.on('response', (response) => {
        // Drain and drop the body so the connection goes back to the pool; the signal still bounds it.
        response.resume();
        response.on('error', () => undefined);
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        });
      });
      request.end(body);
    });
  }

  return {
    post,
    /** Closes the pooled connections. */
    close(): void {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
