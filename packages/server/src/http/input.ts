import { displayTextProblem, revealInvisible } from '@countersign/protocol';
import { Ajv, type ErrorObject } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { DISPLAY_TEXT } from './schemas.js';

// No blanket coercion (R59): `false` must not become `0` ("never expire") nor `true` the string "true".
// `normalise` converts only the spellings the clients send. `verbose` puts the refused value on an error,
// so that a display-text refusal can say which character it was.
const ajv = new Ajv({
  coerceTypes: false,
  allErrors: false,
  strict: false,
  useDefaults: false,
  verbose: true,
});
ajv.addFormat(DISPLAY_TEXT, {
  type: 'string',
  validate: (text: string) => displayTextProblem(text) === undefined,
});

/**
 * A validation problem. `field` names the parameter as a form would (`details[Account]`, `logos[0][url]`),
 * so a caller's own keys never become top-level keys of the error body; `leaf` is its last segment.
 */
export type InputProblem = { field: string; leaf: string; problem: string };
export type InputResult<T> = { ok: true; value: T } | { ok: false; error: InputProblem };

/** A validator for a route's merged parameters, typed by its schema. */
export type InputValidator<T extends TSchema> = (raw: Record<string, unknown>) => InputResult<Static<T>>;

const FLAG_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * Brings the clients' spellings to one form before validation: `null` means "not given" (authy-python sends
 * `"seconds_to_expire": null`), flags arrive as `True`, `"true"`, `1` or `true`, form fields are strings,
 * and JSON clients send `country_code` as a number. Nothing else changes type.
 */
function normalise(value: unknown, schema: Record<string, unknown>): unknown {
  if (schema.type === 'boolean' && typeof value === 'string') return FLAG_WORDS[value.toLowerCase()] ?? value;
  if ((schema.type === 'integer' || schema.type === 'number') && typeof value === 'string')
    return /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (schema.type === 'string' && typeof value === 'number') return String(value);
  if (schema.type === 'array') return normaliseList(value, schema);
  // One value or a list (Verify's `Details.Fields`): repeated form keys make a hash, read as the list.
  if (Array.isArray(schema.anyOf) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const list = (schema.anyOf as Record<string, unknown>[]).find((branch) => branch.type === 'array');
    if (list !== undefined) return normaliseList(value, list);
  }
  if (schema.type !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value))
    return value;
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  // No prototype: a `__proto__` key, should one ever get here, stays an ordinary key.
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    const child = Object.hasOwn(properties, key) ? properties[key] : undefined;
    // A declared parameter sent as null was not given; inside free-form maps a null is data.
    if (item === null && child !== undefined) continue;
    out[key] = child === undefined ? item : normalise(item, child);
  }
  return out;
}

const INDEX = /^(0|[1-9][0-9]{0,5})$/;

/**
 * A list where the schema asks for one. A form gives a hash with keys 0, 1, … (`logos[0][url]=…`,
 * `logos[][url]=…`): its values in the order of their keys. Any other hash stays one, and is refused.
 */
function normaliseList(value: unknown, schema: Record<string, unknown>): unknown {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || !keys.every((k) => INDEX.test(k))) return value;
    const entries = value as Record<string, unknown>;
    items = keys.sort((a, b) => Number(a) - Number(b)).map((k) => entries[k]);
  } else return value;
  const itemSchema = schema.items as Record<string, unknown> | undefined;
  return itemSchema === undefined ? items : items.map((item) => normalise(item, itemSchema));
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number',
  object: 'an object',
  array: 'an array',
};

function describe(error: ErrorObject, all: readonly ErrorObject[]): InputProblem {
  const path = error.instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  const [head = 'body', ...rest] = path;
  const named = { field: `${head}${rest.map((p) => `[${p}]`).join('')}`, leaf: path.at(-1) ?? 'body' };
  if (error.keyword === 'required') return { ...named, problem: 'Parameter is required' };
  switch (error.keyword) {
    case 'maxLength':
      return { ...named, problem: `must be at most ${error.params.limit} characters` };
    case 'minLength':
      return {
        ...named,
        problem:
          error.params.limit === 1
            ? 'must not be blank'
            : `must be at least ${error.params.limit} characters`,
      };
    case 'maxProperties':
      return { ...named, problem: `must have at most ${error.params.limit} entries` };
    case 'maxItems':
      return { ...named, problem: `must have at most ${error.params.limit} items` };
    case 'pattern':
      return { ...named, problem: 'has an invalid format' };
    case 'format':
      if (error.params.format === DISPLAY_TEXT && typeof error.data === 'string') {
        const problem = displayTextProblem(error.data)?.problem ?? 'is invalid';
        // A refused key is named by its map, so the key's own characters never reach the field name.
        return error.propertyName === undefined
          ? { ...named, problem }
          : { ...named, problem: `key "${revealInvisible(error.propertyName)}": ${problem}` };
      }
      return { ...named, problem: 'has an invalid format' };
    case 'const': {
      // A union of literals: name every allowed value, not just the first branch's.
      const allowed = all
        .filter((e) => e.keyword === 'const' && e.instancePath === error.instancePath)
        .map((e) => String(e.params.allowedValue));
      return { ...named, problem: `must be one of ${allowed.join(', ')}` };
    }
    case 'enum':
      return { ...named, problem: `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}` };
    case 'type':
      return {
        ...named,
        problem: `must be ${TYPE_NAMES[String(error.params.type)] ?? `a ${error.params.type}`}`,
      };
    default:
      return { ...named, problem: error.message ?? 'is invalid' };
  }
}

/** Compiles a route's input schema once; the returned function validates and coerces a merged parameter set. */
export function compileInput<T extends TSchema>(schema: T): InputValidator<T> {
  const check = ajv.compile(schema as object);
  return (raw) => {
    const value = normalise(raw, schema as unknown as Record<string, unknown>);
    if (check(value)) return { ok: true, value: value as Static<T> };
    const first = check.errors?.[0];
    return {
      ok: false,
      error:
        first === undefined
          ? { field: 'body', leaf: 'body', problem: 'is invalid' }
          : describe(first, check.errors ?? []),
    };
  };
}
