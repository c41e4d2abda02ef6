import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { REQUEST_REFUSALS, responses, success } from '../http/responses.js';
import type { ReceiptSigner } from './receipt-signer.js';

/** The OpenAPI entry of `/.well-known/jwks.json`: what `jwks()` publishes. */
const JWKS_ROUTE = {
  summary: 'The public keys that verify receipts (a JWK set)',
  tags: ['operations'],
  response: responses(
    success(
      'The receipt keys, ES256 on P-256: the signing key first, then older ones until they retire',
      Type.Object({
        keys: Type.Array(
          Type.Object({
            kty: Type.Literal('EC'),
            crv: Type.Literal('P-256'),
            x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
            y: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
            kid: Type.String({ description: 'The key’s RFC 7638 thumbprint' }),
            alg: Type.Literal('ES256'),
            use: Type.Literal('sig'),
          }),
        ),
      }),
    ),
    REQUEST_REFUSALS,
  ),
};

/**
 * `/.well-known/jwks.json`: the keys an app verifies receipts with, cacheable for five minutes. After a
 * rotation it holds the new key and the ones before until their overlap ends.
 */
export function registerJwksRoute(fastify: FastifyInstance, receipts: Pick<ReceiptSigner, 'jwks'>): void {
  fastify.get('/.well-known/jwks.json', { schema: JWKS_ROUTE }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(await receipts.jwks()),
  );
}
