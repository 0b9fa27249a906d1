import { randomBytes } from 'node:crypto';

/**
 * Reel ids sort by creation time (base36 milliseconds, fixed width) and carry 64 random bits.
 * They contain only [0-9a-z] so they are safe in object keys and BullMQ job ids (which must be colon-free).
 */
export function newReelId(now = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomBytes(8).toString('hex');
}

export const REEL_ID_PATTERN = /^[0-9a-z]{9}[0-9a-f]{16}$/;

export function isReelId(value: string): boolean {
  return REEL_ID_PATTERN.test(value);
}
