import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings without an early exit on the first differing byte. Only their lengths may leak,
 * and the length of a MAC is public.
 */
export function constantTimeEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
