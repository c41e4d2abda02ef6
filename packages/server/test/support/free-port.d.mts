/** A free loopback port (closed again before it is returned). */
export function freePort(): Promise<number>;
