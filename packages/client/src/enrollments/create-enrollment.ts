import { requestJson } from '../http/request-json.js';
import type { AuthyId, RequestOptions } from '../http/request-options.js';
import { pathSegment, type Transport } from '../http/transport.js';
import { type JsonObject, readObject, readRequiredDate, readString } from '../http/wire.js';

/** A single-use enrollment link for one user's device (Countersign extension). */
export interface Enrollment {
  /** `{PUBLIC_URL}/authenticator/#enroll=…`: open it on the phone, or show `qrCode`. */
  readonly url: string;
  /** The URL as a QR code, a `data:image/png;base64,…` URL for an `<img src>`. */
  readonly qrCode: string;
  /** Ten minutes after it was made. */
  readonly expiresAt: Date;
  readonly raw: JsonObject;
}

/**
 * `POST /protected/json/users/{id}/enrollments`: a link that enrolls a device to answer this app's requests
 * for the user. Unknown user: `60026` (404).
 */
export async function createEnrollment(
  transport: Transport,
  authyId: AuthyId,
  options: RequestOptions = {},
): Promise<Enrollment> {
  const body = await requestJson(transport, {
    method: 'POST',
    path: `/protected/json/users/${pathSegment(authyId, 'authyId')}/enrollments`,
    signal: options.signal,
  });
  const enrollment = readObject(body, 'enrollment');
  return {
    url: readString(enrollment, 'url'),
    qrCode: readString(enrollment, 'qr_code'),
    expiresAt: readRequiredDate(enrollment, 'expires_at'),
    raw: body,
  };
}
