import {
  type ApprovalRequest,
  type ApprovalSource,
  CountersignError,
  createClient,
  waitForApproval,
} from '@countersign/client';
import type { ApprovalOutcome, Countersign, PhoneNumber } from './countersign.js';
import { detailedDevices } from './detailed-devices.js';

/** Failures that mean "out of reach for now": the SDK retries them while it waits. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof CountersignError)) return false;
  if (error.code === 'network_error' || error.code === 'timeout') return true;
  return error.code === 'api_error' && (error.status === 429 || (error.status ?? 0) >= 500);
}

const phoneOf = (phone: PhoneNumber) => ({ countryCode: phone.countryCode, phoneNumber: phone.cellphone });

function outcomeOf(request: ApprovalRequest): ApprovalOutcome {
  const final = request.status !== 'pending';
  return {
    uuid: request.uuid,
    status: request.status,
    reason: request.reason ?? null,
    decidedAt: final ? (request.processedAt ?? request.updatedAt).getTime() : null,
    appName: request.appName ?? '',
    message: request.message ?? '',
    details: request.details,
    receipt: request.receipt ?? null,
  };
}

/** The bank's `Countersign` over `@countersign/client`, against any Authy-compatible endpoint. */
export function createCountersign(options: { apiUrl: string; apiKey: string }): Countersign {
  const client = createClient({ baseUrl: options.apiUrl, apiKey: options.apiKey });
  // The app's id, the audience every receipt of this app names; read once, when the first receipt comes.
  let appId: Promise<number> | undefined;

  return {
    async registerUser(user) {
      return (await client.users.register(user)).id;
    },

    async userStatus(authyId, options = {}) {
      const status = await client.users.status(authyId, { signal: options.signal });
      return { registered: status.registered, devices: detailedDevices(status.raw) };
    },

    async startPhoneVerification(phone, { codeLength }) {
      await client.phones.startVerification(phoneOf(phone), { via: 'sms', codeLength });
    },

    async checkPhoneVerification(phone, code) {
      await client.phones.checkVerification(phoneOf(phone), code);
    },

    async createEnrollment(authyId) {
      const enrollment = await client.createEnrollment(authyId);
      return { url: enrollment.url, qrCode: enrollment.qrCode, expiresAt: enrollment.expiresAt.getTime() };
    },

    async authenticatorSecret(authyId, label) {
      try {
        const secret = await client.users.authenticatorSecret(authyId, { label });
        return secret.otpauthUrl === undefined
          ? undefined
          : { otpauthUrl: secret.otpauthUrl, qrCode: secret.qrCode };
      } catch (error) {
        // 60123: the seed was used once, so the service no longer hands it out.
        if (error instanceof CountersignError && error.errorCode === '60123') return undefined;
        throw error;
      }
    },

    async verifyToken(authyId, token) {
      await client.tokens.verify(authyId, token);
    },

    async sendSms(authyId) {
      // `force`: the customer asked for a text although they have an authenticator.
      const sent = await client.tokens.requestSms(authyId, { force: true });
      return { cellphone: sent.cellphone };
    },

    async createApprovalRequest(authyId, request) {
      const created = await client.createApprovalRequest(authyId, request);
      return { uuid: created.uuid, numberMatch: created.numberMatch ?? null };
    },

    async waitForApproval(uuid, { timeoutMs, signal, onTrouble }) {
      // The client, watched: every read that fails for lack of the service, and every one that succeeds,
      // tells the bank whether its pages should say the service is out of reach.
      const failed = (error: unknown) => {
        if (isUnreachable(error) && !signal.aborted) onTrouble(true);
        return error;
      };
      const source: ApprovalSource = {
        async getApprovalRequest(id, getOptions) {
          try {
            const request = await client.getApprovalRequest(id, getOptions);
            onTrouble(false);
            return request;
          } catch (error) {
            throw failed(error);
          }
        },
        async *approvalEvents(id, eventOptions) {
          try {
            for await (const request of client.approvalEvents(id, eventOptions)) {
              onTrouble(false);
              yield request;
            }
          } catch (error) {
            throw failed(error);
          }
        },
      };
      return outcomeOf(await waitForApproval(source, uuid, { timeout: timeoutMs, signal }));
    },

    async verifyReceipt(outcome) {
      if (outcome.receipt === null) return { verified: false, problem: 'The service gave no receipt.' };
      try {
        appId ??= client.app.details().then(
          (details) => details.appId,
          (error: unknown) => {
            appId = undefined;
            throw error;
          },
        );
        const payload = await client.verifyReceipt(outcome.receipt, {
          uuid: outcome.uuid,
          audience: await appId,
          displayed: { appName: outcome.appName, message: outcome.message, details: outcome.details },
        });
        if (payload.status !== outcome.status) {
          return { verified: false, problem: 'The receipt states another answer than the service reported.' };
        }
        return { verified: true };
      } catch (error) {
        if (error instanceof CountersignError) return { verified: false, problem: receiptProblem(error) };
        throw error;
      }
    },
  };
}

/** A failed receipt check in the customer's words. */
function receiptProblem(error: CountersignError): string {
  switch (error.code) {
    case 'receipt_malformed':
      return 'The receipt is not a Countersign receipt.';
    case 'receipt_signature_invalid':
      return 'The security service’s signature on the receipt does not verify.';
    case 'receipt_mismatch':
      return 'The receipt is about something other than what the bank asked.';
    case 'device_signature_invalid':
      return 'Your device’s signature inside the receipt does not verify.';
    default:
      return 'The bank could not fetch the keys to check the receipt.';
  }
}
