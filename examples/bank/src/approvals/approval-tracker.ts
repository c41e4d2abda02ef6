import { CountersignError } from '@countersign/client';
import type { ApprovalOutcome, Countersign, ReceiptCheck } from '../countersign/countersign.js';
import { askService } from '../lib/bank-error.js';
import type { Clock } from '../lib/clock.js';
import { sleep } from '../lib/sleep.js';
import type { Approval, ApprovalPurpose, ReceiptState } from './approval.js';
import type { ApprovalRepository } from './approval.repository.js';

/** The account an approval is asked of: its id at the bank and at the service. */
export interface ApprovalHolder {
  readonly id: number;
  readonly authyId: number;
}

/** What a page following an approval hears: its state, and whether the bank is failing to reach the service. */
export type ApprovalListener = (approval: Approval, serviceTrouble: boolean) => void;

export interface ApprovalTrackerOptions {
  /** `seconds_to_expire` of every request the bank sends. */
  readonly secondsToExpire: number;
  /** Called when a wait fails for a reason other than the service being away (logged by the app). */
  readonly onError?: (error: unknown) => void;
}

/** How long past its expiry a wait lasts, for the service's word that it expired. */
const EXPIRY_GRACE_MS = 5_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Sends approval requests and follows each pending one until it is final: one wait per request at the
 * service (`waitForApproval`: the event stream or a long poll, never a fixed polling loop), however many
 * pages are watching it. The final state is recorded once, with its receipt checked, and announced to
 * the listeners. After a restart, `resume()` picks up the requests still pending.
 */
export class ApprovalTracker {
  private readonly waits = new Map<string, AbortController>();
  private readonly listeners = new Map<string, Set<ApprovalListener>>();
  private readonly troubled = new Set<string>();
  private closed = false;

  constructor(
    private readonly approvals: ApprovalRepository,
    private readonly countersign: Countersign,
    private readonly clock: Clock,
    private readonly options: ApprovalTrackerOptions,
  ) {}

  /** Sends an approval request to the account's devices and starts following it. */
  async request(
    account: ApprovalHolder,
    purpose: ApprovalPurpose,
    message: string,
    details: Readonly<Record<string, string>>,
  ): Promise<Approval> {
    const { secondsToExpire } = this.options;
    const created = await askService(() =>
      this.countersign.createApprovalRequest(account.authyId, { message, details, secondsToExpire }),
    );
    const now = this.clock.now();
    const approval: Approval = {
      uuid: created.uuid,
      accountId: account.id,
      purpose,
      message,
      details,
      numberMatch: created.numberMatch,
      status: 'pending',
      reason: null,
      createdAt: now,
      expiresAt: now + secondsToExpire * 1000,
      decidedAt: null,
      receipt: { kind: 'none' },
    };
    this.approvals.insert(approval);
    this.follow(approval);
    return approval;
  }

  find(uuid: string): Approval | undefined {
    return this.approvals.find(uuid);
  }

  /** Whether the bank is currently failing to reach the service while following this request. */
  inTrouble(uuid: string): boolean {
    return this.troubled.has(uuid);
  }

  /** Calls `listener` on every change of the approval until the returned function is called. */
  subscribe(uuid: string, listener: ApprovalListener): () => void {
    let set = this.listeners.get(uuid);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(uuid, set);
    }
    set.add(listener);
    const pending = this.approvals.find(uuid);
    if (pending?.status === 'pending') this.follow(pending);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(uuid);
    };
  }

  /** Follows every request still pending in the store (after a restart). */
  resume(): void {
    for (const approval of this.approvals.pending()) this.follow(approval);
  }

  /** Stops every wait; nothing is followed afterwards. */
  close(): void {
    this.closed = true;
    for (const wait of this.waits.values()) wait.abort();
    this.waits.clear();
  }

  private follow(approval: Approval): void {
    if (this.closed || this.waits.has(approval.uuid)) return;
    const controller = new AbortController();
    this.waits.set(approval.uuid, controller);
    void this.waitUntilFinal(approval, controller.signal)
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        if (this.waits.get(approval.uuid) === controller) this.waits.delete(approval.uuid);
      });
  }

  private async waitUntilFinal(approval: Approval, signal: AbortSignal): Promise<void> {
    const onTrouble = (trouble: boolean) => this.setTrouble(approval.uuid, trouble);
    let retryMs = RETRY_FIRST_MS;
    while (!signal.aborted) {
      // Until just past its expiry, and at least half a minute a round: past it (the service was away), the
      // bank keeps asking until the service reports how the request ended.
      const timeoutMs = Math.max(RETRY_MAX_MS, approval.expiresAt + EXPIRY_GRACE_MS - this.clock.now());
      let outcome: ApprovalOutcome;
      try {
        outcome = await this.countersign.waitForApproval(approval.uuid, { timeoutMs, signal, onTrouble });
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof CountersignError)) throw error;
        if (error.errorCode === '60049') {
          // The service no longer knows the request (its data was reset): it can never be answered.
          this.settle(approval, { status: 'expired', reason: 'unknown_to_service', receipt: null }, null);
          return;
        }
        // A refusal the SDK does not retry (a revoked key, a broken answer): say so, and try again later.
        onTrouble(true);
        await sleep(retryMs, signal);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        continue;
      }
      retryMs = RETRY_FIRST_MS;
      if (outcome.status !== 'pending') {
        // The device signed a hash of what it displayed: check it against what the bank itself asked.
        const check =
          outcome.receipt === null
            ? null
            : await this.countersign.verifyReceipt({
                ...outcome,
                message: approval.message,
                details: approval.details,
              });
        if (signal.aborted) return;
        this.settle(approval, outcome, check);
        return;
      }
    }
  }

  private settle(
    approval: Approval,
    outcome: Pick<ApprovalOutcome, 'status' | 'reason' | 'receipt'> & { decidedAt?: number | null },
    check: ReceiptCheck | null,
  ): void {
    if (outcome.status === 'pending') return;
    const receiptState: ReceiptState =
      check === null
        ? { kind: 'none' }
        : check.verified
          ? { kind: 'verified' }
          : { kind: 'failed', problem: check.problem };
    this.approvals.settle(approval.uuid, {
      status: outcome.status,
      reason: outcome.reason,
      decidedAt: outcome.decidedAt ?? this.clock.now(),
      receipt: outcome.receipt,
      receiptState,
    });
    this.troubled.delete(approval.uuid);
    this.announce(approval.uuid);
  }

  private setTrouble(uuid: string, trouble: boolean): void {
    if (this.troubled.has(uuid) === trouble) return;
    if (trouble) this.troubled.add(uuid);
    else this.troubled.delete(uuid);
    this.announce(uuid);
  }

  private announce(uuid: string): void {
    const approval = this.approvals.find(uuid);
    if (approval === undefined) return;
    for (const listener of [...(this.listeners.get(uuid) ?? [])]) listener(approval, this.troubled.has(uuid));
  }
}
