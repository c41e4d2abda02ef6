import type http from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/** The parts of an OpenAPI 3.1 document the contract reads. */
export interface DocumentedAnswer {
  description: string;
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, unknown>;
}
export interface Operation {
  responses: Record<string, DocumentedAnswer>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** An answer as it came over the wire. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** The OpenAPI document the running service publishes. */
export async function fetchDocument(server: { url: string }): Promise<OpenApiDocument> {
  const response = await fetch(`${server.url}/docs/json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

/** The schema with every object whose properties it lists closed to other keys. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v)]))
        : closed(value);
  }
  if ('properties' in out && !('additionalProperties' in out) && !('patternProperties' in out)) {
    out.additionalProperties = false;
  }
  return out;
}

export interface Contract {
  /**
   * Asserts that an answer is one the document gives `operation` (`METHOD /path/{param}`): a documented
   * status and media type, and for JSON, compact text (spec 2.4) that validates against the status's
   * schema. Records the status as seen; returns the parsed body (`{}` for an event stream).
   */
  conforms(operation: string, answer: Answer): Record<string, unknown>;
  /** Statuses seen, by operation. */
  readonly seen: Map<string, Set<string>>;
  /** The Authy codes the document lists for an operation's status; `undefined` for an answer without. */
  codesOf(operation: string, status: string): string[] | undefined;
  /** The compiled validator of a schema of the document. */
  validatorOf(schema: unknown): ValidateFunction;
}

/**
 * Checks answers against an OpenAPI 3.1 document with Ajv's JSON Schema 2020-12 validator (the dialect of
 * OpenAPI 3.1) and ajv-formats, in strict mode. Stricter than the document in one way: an object whose
 * properties it lists is closed, so every key the service sends must be documented.
 */
export function createContract(document: OpenApiDocument): Contract {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // ajv-formats is CommonJS: its plugin is the module and its `default`.
  addFormats.default(ajv);
  const compiled = new Map<unknown, ValidateFunction>();
  const seen = new Map<string, Set<string>>();
  const operationOf = (operation: string) => {
    const [method = '', path = ''] = operation.split(' ');
    return document.paths[path]?.[method.toLowerCase()];
  };
  const validatorOf = (schema: unknown): ValidateFunction => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(closed(schema) as object);
      compiled.set(schema, validate);
    }
    return validate;
  };
  return {
    seen,
    validatorOf,
    codesOf(operation, status) {
      const schema = operationOf(operation)?.responses[status]?.content?.['application/json']?.schema as
        | { properties?: { error_code?: { enum?: string[] } } }
        | undefined;
      return schema?.properties?.error_code?.enum;
    },
    conforms(operation, answer) {
      const what = `${operation} → ${answer.status} ${answer.text.slice(0, 300)}`;
      const documented = operationOf(operation);
      expect(documented, `${operation} is not in the document`).toBeDefined();
      const expected = documented?.responses[String(answer.status)];
      expect(expected, `undocumented status: ${what}`).toBeDefined();
      seen.set(operation, (seen.get(operation) ?? new Set()).add(String(answer.status)));
      const type = (answer.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      const media = expected?.content?.[type];
      expect(media, `undocumented media type ${type}: ${what}`).toBeDefined();
      if (type !== 'application/json') return {};
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      expect(answer.text, what).toBe(JSON.stringify(body));
      const validate = validatorOf(media?.schema);
      expect(validate(body) ? [] : validate.errors, what).toEqual([]);
      return body;
    },
  };
}
