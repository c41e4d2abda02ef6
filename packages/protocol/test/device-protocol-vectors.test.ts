// The test vectors of docs/device-protocol.md, read from the doc itself: a change to the code that changes
// a byte of the protocol fails here, and so does a vector edited in the doc alone.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ADMISSION_DOCUMENT_KEYS,
  type AdmissionDocument,
  ANSWER_DOCUMENT_KEYS,
  type AnswerDocument,
  admissionChallenge,
  admissionClaimDocument,
  admissionCode,
  answerChallenge,
  authyCanonical,
  canonicalJson,
  decodeBase64url,
  displayHash,
  displayTextProblem,
  type PublicJwk,
  readAdmissionDocument,
  readAnswerDocument,
  readEventStream,
  requestSigningString,
  revealInvisible,
  type ServerSentEvent,
  signAuthyCallback,
  signStandardWebhook,
  utf8,
} from '../src/index.js';
import { protocolVectors } from './support/protocol-vectors.js';

const doc = protocolVectors();
const checked = new Set<string>();
const text = (name: string) => {
  checked.add(name);
  return doc.text(name);
};
const json = <T>(name: string) => {
  checked.add(name);
  return doc.json<T>(name);
};

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Whether `signature` (B64U, P1363) is the test key's signature of `signed`, by WebCrypto. */
async function verifiesUnderTestKey(signed: string, signature: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('jwk', json<PublicJwk>('test-key/public-jwk'), ECDSA, false, [
    'verify',
  ]);
  return crypto.subtle.verify(SIGNING, key, decodeBase64url(signature), utf8(signed));
}

/** The members of a pending request (docs/device-protocol.md, "Requests") that an answer depends on. */
interface PendingRequest {
  uuid: string;
  nonce: string;
  app_name: string;
  message: string;
  details: Record<string, string>;
}

describe('the test vectors of docs/device-protocol.md', () => {
  it('the test key is a P-256 pair: what its private JWK signs, its public JWK verifies', async () => {
    const privateJwk = json<JsonWebKey>('test-key/private-jwk');
    const publicJwk = json<PublicJwk>('test-key/public-jwk');
    expect(publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y });
    const privateKey = await crypto.subtle.importKey('jwk', privateJwk, ECDSA, false, ['sign']);
    const signature = new Uint8Array(await crypto.subtle.sign(SIGNING, privateKey, utf8('a test')));
    expect(signature).toHaveLength(64);
    const publicKey = await crypto.subtle.importKey('jwk', publicJwk, ECDSA, false, ['verify']);
    expect(await crypto.subtle.verify(SIGNING, publicKey, signature, utf8('a test'))).toBe(true);
    expect(await crypto.subtle.verify(SIGNING, publicKey, signature, utf8('a tesT'))).toBe(false);
  });

  it('canonical JSON: numbers, escapes, UTF-16 key order and Unicode give exactly the output', () => {
    expect(canonicalJson(json('canonical-json/input'))).toBe(text('canonical-json/output'));
  });

  it('display hash: JCS of app_name, message and details only, then B64U(SHA256) of it', () => {
    const request = json<PendingRequest>('answer/request');
    const { app_name, message, details } = request;
    expect(canonicalJson({ app_name, message, details })).toBe(text('display-hash/jcs'));
    expect(displayHash(request)).toBe(text('display-hash/output'));
    // The same digest by node:crypto, so the vector does not rest on the code it checks.
    expect(createHash('sha256').update(text('display-hash/jcs'), 'utf8').digest('base64url')).toBe(
      text('display-hash/output'),
    );
  });

  it('answer document: exactly the protocol keys, the request’s nonce and display hash, signed over its JCS', async () => {
    const request = json<PendingRequest>('answer/request');
    const document = json<AnswerDocument>('answer/document');
    expect(readAnswerDocument(document)).toEqual({ document });
    expect(Object.keys(document).sort()).toEqual([...ANSWER_DOCUMENT_KEYS]);
    expect(document).toMatchObject({ uuid: request.uuid, nonce: request.nonce });
    expect(document.display_hash).toBe(displayHash(request));
    expect(canonicalJson(document)).toBe(text('answer/jcs'));
    expect(await verifiesUnderTestKey(text('answer/jcs'), text('answer/signature'))).toBe(true);
    expect(
      await verifiesUnderTestKey(text('answer/jcs').replace('"42"', '"43"'), text('answer/signature')),
    ).toBe(false);
  });

  it('answer challenge: the SHA-256 of the answer’s JCS, the challenge a user-verified answer’s passkey signs (D14)', () => {
    const document = json<AnswerDocument>('answer/document');
    expect(answerChallenge(document)).toBe(text('answer/challenge'));
    expect(answerChallenge(document)).toBe(
      createHash('sha256').update(text('answer/jcs'), 'utf8').digest('base64url'),
    );
    expect(answerChallenge({ ...document, signed_at: document.signed_at + 1 })).not.toBe(
      text('answer/challenge'),
    );
  });

  it('signed request: the body is the signed answer, and the signing string and its signature are exact', async () => {
    const input = json<{ method: string; path_with_query: string; timestamp: number; nonce: string }>(
      'signed-request/input',
    );
    const body = text('signed-request/body');
    expect(JSON.parse(body)).toEqual({
      document: json('answer/document'),
      signature: text('answer/signature'),
    });
    const request = { ...input, pathWithQuery: input.path_with_query, body };
    const signed = text('signed-request/string');
    expect(requestSigningString(request)).toBe(signed);
    // The body's bytes sign as its text does, and the method's case does not matter.
    expect(requestSigningString({ ...request, body: utf8(body) })).toBe(signed);
    expect(requestSigningString({ ...request, method: input.method.toLowerCase() })).toBe(signed);
    expect(requestSigningString({ ...request, timestamp: String(input.timestamp) })).toBe(signed);
    expect(signed.split('\n').at(-1)).toBe(createHash('sha256').update(body, 'utf8').digest('base64url'));
    expect(await verifiesUnderTestKey(signed, text('signed-request/signature'))).toBe(true);
  });

  it('display text: each case has its first problem and its shown form', () => {
    const cases = json<{ text: string; problem: string | null; shown: string }[]>('display-text/cases');
    expect(cases.length).toBeGreaterThan(0);
    for (const { text: shownText, problem, shown } of cases) {
      expect(displayTextProblem(shownText)?.problem ?? null, shownText).toBe(problem);
      expect(revealInvisible(shownText), shownText).toBe(shown);
    }
  });

  it('event stream: the body gives exactly these events', async () => {
    const bytes = utf8(json<string>('event-stream/input'));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readEventStream(body)) events.push(event);
    expect(events).toEqual(json('event-stream/events'));
  });

  it('Authy callback: the canonical string and the X-Authy-Signature of the spec’s worked example', () => {
    const { api_key, nonce, method, url } = json<Record<string, string>>('authy/input');
    const params = json<Record<string, unknown>>('authy/params');
    const canonical = text('authy/canonical');
    expect(authyCanonical(params)).toBe(canonical);
    expect(
      signAuthyCallback({
        apiKey: api_key ?? '',
        nonce: nonce ?? '',
        method: method ?? '',
        url: url ?? '',
        params,
      }),
    ).toBe(text('authy/signature'));
    const data = `${nonce}|${method}|${url}|${canonical}`;
    expect(
      createHmac('sha256', api_key ?? '')
        .update(data, 'utf8')
        .digest('base64'),
    ).toBe(text('authy/signature'));
  });

  it('Standard Webhooks: the webhook-signature of the reference example', () => {
    const { secret, id, timestamp, body } = json<{
      secret: string;
      id: string;
      timestamp: number;
      body: string;
    }>('standard-webhooks/input');
    expect(signStandardWebhook({ id, timestamp, body, secrets: secret })).toBe(
      text('standard-webhooks/signature'),
    );
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
    expect(`v1,${mac}`).toBe(text('standard-webhooks/signature'));
  });

  // Last, once every check above has run: a vector added to the doc without a check would prove nothing.
  it('admission: the claim’s proof text, the comparison code, the admission document, its JCS and challenge', () => {
    const key = json<PublicJwk>('test-key/public-jwk');
    expect(
      canonicalJson(
        admissionClaimDocument('Gq0sQ2m8Vt7dYk3uLx9bRw1nHf5cJp4eZa6oTi2sWqE', key, 'Pixel 9', 'web'),
      ),
    ).toBe(text('admission/claim-jcs'));
    expect(admissionCode('7c9e6679-7425-40de-944b-e07fc1f90ae7', key)).toBe(text('admission/code'));
    // The code's rule, computed apart from the package: the first four digest bytes, big-endian, mod 10^6.
    const digest = createHash('sha256')
      .update(canonicalJson({ admission_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', public_key: key }))
      .digest();
    expect(String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0')).toBe(text('admission/code'));
    const document = json<AdmissionDocument>('admission/document');
    expect(Object.keys(document).sort()).toEqual([...ADMISSION_DOCUMENT_KEYS]);
    expect(readAdmissionDocument(document)).toEqual({ document });
    expect(document.new_public_key).toEqual(key);
    expect(canonicalJson(document)).toBe(text('admission/jcs'));
    expect(admissionChallenge(document)).toBe(text('admission/challenge'));
    expect(createHash('sha256').update(text('admission/jcs'), 'utf8').digest('base64url')).toBe(
      text('admission/challenge'),
    );
  });

  it('every vector of the doc is checked above', () => {
    expect(doc.names.length).toBeGreaterThan(0);
    expect(doc.names.filter((name) => !checked.has(name))).toEqual([]);
  });
});
