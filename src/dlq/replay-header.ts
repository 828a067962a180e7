import type { IHeaders } from 'kafkajs';

/** Whether a message carries header `name` at all (kafkajs hands headers over as Buffer, string or arrays of them). */
export function hasHeader(headers: IHeaders | undefined, name: string): boolean {
  return headers !== undefined && Object.hasOwn(headers, name) && headers[name] !== undefined;
}
