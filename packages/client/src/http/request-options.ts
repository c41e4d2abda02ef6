/** Options every call accepts. */
export interface RequestOptions {
  /** Aborts the call; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** For the calls where Authy took the end user's IP address for its risk checks. */
export interface UserIpOptions extends RequestOptions {
  /** The end user's IP address, recorded by the service. */
  readonly userIp?: string | undefined;
}

/** An Authy id: the number `users.register` returned (a numeric string is accepted too). */
export type AuthyId = number | string;
