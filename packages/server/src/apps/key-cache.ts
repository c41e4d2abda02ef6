import { performance } from 'node:perf_hooks';
import type { App } from './app.js';

/** How long a PostgreSQL instance may trust what it read of a key: R4′'s bound, and what a change waits out. */
export const KEY_CACHE_TTL_MS = 1_000;
/** Enough for every app's live keys many times over; past it the oldest entries go. */
export const KEY_CACHE_MAX_ENTRIES = 10_000;

/** The app a live key belongs to, and when that key stops (a rotated-out key in its grace period). */
export interface KeyHolder {
  readonly app: App;
  /** Milliseconds since the epoch, on the service's clock; `null`: the key has no end. */
  readonly keyExpiresAt: number | null;
}

/** Where a lookup that missed started: a result read before a change must not be kept after it. */
export interface KeyCacheTicket {
  readonly generation: number;
  readonly startedAt: number;
}

export interface KeyCacheOptions {
  /**
   * How the cache learns of other processes' commits (SQLite's `PRAGMA data_version`, `Store.dataVersion`):
   * checked on every lookup, and everything is dropped when it moved. `undefined`: no such mark.
   */
  readonly dataVersion: () => number | undefined;
  /** Bound on an entry's age in milliseconds (PostgreSQL); `undefined`: none (the data version is exact). */
  readonly ttlMs: number | undefined;
  readonly maxEntries?: number;
  /** A monotonic clock in milliseconds: a moved wall clock must not stretch an entry's life. */
  readonly monotonic?: () => number;
}

/**
 * API key digests and the apps they belong to, so that a call need not read its key from the store (R4′).
 * Keyed by the HMAC digest (D5), never by a key; only keys that were found are kept, so unknown keys cannot
 * fill it. Every change of an app or its keys drops it all (`clear`): they are rare, and a dropped entry
 * costs one lookup. Another process's change reaches it by the data version (SQLite: exact, on the next
 * call) or by the age bound and the bus (PostgreSQL: within `ttlMs`). A kept key's own end is checked
 * against the service's clock on every hit, so a key in its grace period fails at that moment.
 */
export class KeyCache {
  private readonly entries = new Map<string, KeyHolder & { readonly until: number }>();
  private readonly dataVersion: () => number | undefined;
  private readonly ttlMs: number | undefined;
  private readonly maxEntries: number;
  private readonly monotonic: () => number;
  /** Moves on every `clear`: lookups that started before it keep nothing. */
  private generation = 0;
  private version: number | undefined;

  constructor(options: KeyCacheOptions) {
    this.dataVersion = options.dataVersion;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? KEY_CACHE_MAX_ENTRIES;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.version = this.dataVersion();
  }

  /** Whether the cache keeps anything: with neither a data version nor an age bound it could not be exact. */
  get enabled(): boolean {
    return this.ttlMs !== undefined || this.version !== undefined;
  }

  /** The app whose live key has this digest, if kept and still valid at `now` (service clock). */
  lookup(digest: string, now: number): App | undefined {
    if (!this.enabled) return undefined;
    const version = this.dataVersion();
    if (version !== this.version) {
      this.clear();
      this.version = version;
      return undefined;
    }
    const entry = this.entries.get(digest);
    if (entry === undefined) return undefined;
    if (entry.until <= this.monotonic() || (entry.keyExpiresAt !== null && entry.keyExpiresAt <= now)) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.app;
  }

  /** Taken before reading the store for a digest that missed, and handed to `keep` with what was read. */
  ticket(): KeyCacheTicket {
    return { generation: this.generation, startedAt: this.monotonic() };
  }

  /** Keeps what the store said of a digest, unless the cache was cleared since the read began. */
  keep(ticket: KeyCacheTicket, digest: string, holder: KeyHolder): void {
    if (!this.enabled || ticket.generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // The oldest goes: Map iterates in insertion order.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    // The age counts from the start of the read: what it returned may be that old.
    const until = this.ttlMs === undefined ? Number.POSITIVE_INFINITY : ticket.startedAt + this.ttlMs;
    this.entries.set(digest, { ...holder, until });
  }

  /** Drops everything: an app or a key changed, here or (announced on the bus) on another instance. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** How many digests are kept (tests). */
  get size(): number {
    return this.entries.size;
  }
}
