import type { AppApi } from '../app/app-api.js';
import type { ApprovalRequest } from '../approvals/approval-request.js';
import type { CreatedApprovalRequest, NewApprovalRequest } from '../approvals/create-approval-request.js';
import type { GetApprovalRequestOptions } from '../approvals/get-approval-request.js';
import type { ApprovalSource, WaitForApprovalOptions } from '../approvals/wait-for-approval.js';
import type { Enrollment } from '../enrollments/create-enrollment.js';
import type { AuthyId, RequestOptions } from '../http/request-options.js';
import type { PhonesApi } from '../phones/phones-api.js';
import type { ReceiptPayload } from '../receipts/receipt-payload.js';
import type { ReceiptChecks } from '../receipts/verify-receipt.js';
import type { RegistrationsApi } from '../registrations/registrations-api.js';
import type { TokensApi } from '../tokens/tokens-api.js';
import type { UsersApi } from '../users/users-api.js';

/**
 * A client of one Countersign (or Authy-compatible) service for one app, made by `createClient`. Every call
 * sends the API key in the `X-Authy-API-Key` header, takes an optional `signal`, and throws
 * `CountersignError` when the service refuses.
 */
export interface CountersignClient extends ApprovalSource {
  /** Users: register, status, remove, activities, the TOTP secret for third-party apps. */
  readonly users: UsersApi;
  /** Codes: verify a TOTP, SMS or voice code; send one by SMS or call. */
  readonly tokens: TokensApi;
  /** The calling app's details and statistics. */
  readonly app: AppApi;
  /** Phone verification and phone information. */
  readonly phones: PhonesApi;
  /** Authy SDK registrations (none on Countersign). */
  readonly registrations: RegistrationsApi;

  /** A single-use link (and QR code) that enrolls a device for the user, valid ten minutes (Countersign). */
  createEnrollment(authyId: AuthyId, options?: RequestOptions): Promise<Enrollment>;
  /** Sends an approval request to the user's devices. */
  createApprovalRequest(
    authyId: AuthyId,
    request: NewApprovalRequest,
    options?: RequestOptions,
  ): Promise<CreatedApprovalRequest>;
  /** Reads an approval request; with `wait` (≤ 60 s) holds until it is final (Countersign long poll). */
  getApprovalRequest(uuid: string, options?: GetApprovalRequestOptions): Promise<ApprovalRequest>;
  /** The request's status now and at each change, over server-sent events (Countersign). */
  approvalEvents(uuid: string, options?: RequestOptions): AsyncGenerator<ApprovalRequest, void, undefined>;
  /** Waits for the final status: stream, else long poll, else polling once a second. See `waitForApproval`. */
  waitForApproval(uuid: string, options: WaitForApprovalOptions): Promise<ApprovalRequest>;
  /**
   * Verifies a receipt with this service's keys (`/.well-known/jwks.json`, fetched once and cached). See
   * `verifyReceipt`.
   */
  verifyReceipt(receipt: string, checks?: ReceiptChecks): Promise<ReceiptPayload>;
}
