import { isDeepStrictEqual } from 'node:util';

/**
 * Whether writing `next` leaves the stored status as it is. Compared by value: the API server
 * returns fields in its own order, so serializations differ for equal statuses; fields holding
 * `undefined` are dropped first, as the write would drop them.
 */
export function statusUnchanged(stored: object | undefined, next: object | undefined): boolean {
  return isDeepStrictEqual(stored ?? {}, JSON.parse(JSON.stringify(next ?? {})));
}
