const USER_ID = /^[1-9]\d{0,9}$/;
/** The largest id the `integer` id columns hold (PostgreSQL's is 32 bits). */
export const MAX_USER_ID = 2_147_483_647;

/** An Authy id written as decimal digits, if it is one the store can hold; `undefined` otherwise. */
export function readUserId(text: string): number | undefined {
  return USER_ID.test(text) && Number(text) <= MAX_USER_ID ? Number(text) : undefined;
}
