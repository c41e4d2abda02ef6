export type Decision = 'approved' | 'denied';

/** `denied` is a plain no; `not_me` reports that the user did not start this ("this wasn't me"). */
export type DenyReason = 'denied' | 'not_me';

/**
 * The DOCUMENT a device signs to answer a request (`SIG(JCS(DOCUMENT))`); every member is checked by the
 * service, and a receipt carries it as the device signed it.
 */
export interface AnswerDocument {
  readonly purpose: 'countersign-answer';
  readonly uuid: string;
  readonly decision: Decision;
  /** `null` for an approval; `denied` or `not_me` for a denial. */
  readonly reason: DenyReason | null;
  readonly device_id: string;
  /** The request's nonce, so the answer fits this request only. */
  readonly nonce: string;
  /** `displayHash` of what the device showed. */
  readonly display_hash: string;
  /** The code the app showed, for a request with number matching; digits only. */
  readonly number_match: string | null;
  /** UNIX milliseconds. */
  readonly signed_at: number;
}

/** The members of an answer document, in JCS order: exactly these, no more. */
export const ANSWER_DOCUMENT_KEYS: readonly (keyof AnswerDocument)[] = [
  'decision',
  'device_id',
  'display_hash',
  'nonce',
  'number_match',
  'purpose',
  'reason',
  'signed_at',
  'uuid',
];

/** The longest `uuid`, `device_id`, `nonce` or `display_hash` a document may carry. */
const MAX_TEXT = 100;
const NUMBER_MATCH = /^\d{1,10}$/;

/**
 * Reads an untrusted answer document strictly: exactly the protocol's members, each of its type, `reason`
 * present exactly for a denial. Gives the document, or what is wrong with it: `document is not an object`,
 * `unexpected fields`, or the name of the first member that is not as the protocol says.
 */
export function readAnswerDocument(value: unknown): { document: AnswerDocument } | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'document is not an object' };
  }
  const d = value as Record<string, unknown>;
  const keys = Object.keys(d).sort();
  if (keys.length !== ANSWER_DOCUMENT_KEYS.length || keys.some((k, i) => k !== ANSWER_DOCUMENT_KEYS[i])) {
    return { problem: 'unexpected fields' };
  }
  const { purpose, uuid, decision, reason, device_id, nonce, display_hash, number_match, signed_at } = d;
  if (purpose !== 'countersign-answer') return { problem: 'purpose' };
  if (decision !== 'approved' && decision !== 'denied') return { problem: 'decision' };
  if (!(reason === null || reason === 'denied' || reason === 'not_me')) return { problem: 'reason' };
  if ((decision === 'approved') !== (reason === null)) return { problem: 'reason' };
  if (!(number_match === null || (typeof number_match === 'string' && NUMBER_MATCH.test(number_match)))) {
    return { problem: 'number_match' };
  }
  const texts = { uuid, device_id, nonce, display_hash };
  for (const [key, text] of Object.entries(texts)) {
    if (typeof text !== 'string' || text.length > MAX_TEXT) return { problem: key };
  }
  if (typeof signed_at !== 'number' || !Number.isSafeInteger(signed_at)) return { problem: 'signed_at' };
  // The object itself, every member now checked: a receipt repeats the document as the device sent it.
  return { document: d as unknown as AnswerDocument };
}
