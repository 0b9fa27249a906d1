import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether a secret a client sent is the expected one, compared in constant time (as digests, so lengths tell nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
