import type { MessageHeaders } from './types';

/** Whether a message carries header `name` as its own (a header named `toString` is a name, not Object's). */
export function hasHeader(headers: MessageHeaders | undefined, name: string): boolean {
  return headers !== undefined && Object.hasOwn(headers, name) && headers[name] !== undefined;
}
