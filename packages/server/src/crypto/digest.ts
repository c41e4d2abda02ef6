import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA-256 of `message` under `key`, hex encoded. */
export function hmacHex(key: Buffer, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** Compares two strings in time independent of where they differ. Different lengths are unequal. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend a comparison so the length check is the only early exit.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
