/**
 * Checks an object against the schema of its CRD, as the API server does on create and update,
 * so validation can rely on field types before applying the semantic rules.
 *
 * An interpreting validator (@cfworker/json-schema) rather than a compiling one: compiling the
 * FlinkDeployment schema (the whole Pod template) generates so much code that the operator's
 * resident memory grew by about 130 MiB at the first validation.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { objectSchema, type JsonSchema } from '../crd.ts';
import type { KindDefinition } from '../kinds.ts';
import type { ValidationError } from './errors.ts';

const validators = new Map<string, { validator: Validator; schema: JsonSchema }>();

function validatorFor(def: KindDefinition): { validator: Validator; schema: JsonSchema } {
  let entry = validators.get(def.kind);
  if (!entry) {
    const schema = objectSchema(def);
    // Every error, not the first only: users fix them all at once.
    entry = { validator: new Validator(schema, '2020-12', false), schema };
    validators.set(def.kind, entry);
  }
  return entry;
}

/** Errors that only say a nested value failed: the nested error says what and where. */
const WRAPPERS = new Set(['properties', 'items', 'additionalProperties', 'allOf', '$ref', 'prefixItems']);

function pointerParts(pointer: string): string[] {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value of the failed keyword in the schema (the allowed type, the enum, the bound). */
function keywordValue(schema: JsonSchema, keywordLocation: string): unknown {
  let node: unknown = schema;
  for (const part of pointerParts(keywordLocation)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function describe(error: OutputUnit, schema: JsonSchema): string {
  const value = keywordValue(schema, error.keywordLocation);
  switch (error.keyword) {
    case 'type':
      return `must be ${Array.isArray(value) ? value.join(',') : String(value)}`;
    case 'enum':
      return `must be one of ${(value as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `must have required property '${/"(.*)"/.exec(error.error)?.[1] ?? '?'}'`;
    case 'minimum':
      return `must be >= ${String(value)}`;
    case 'maximum':
      return `must be <= ${String(value)}`;
    case 'exclusiveMinimum':
      return `must be > ${String(value)}`;
    case 'exclusiveMaximum':
      return `must be < ${String(value)}`;
    case 'minLength':
      return `must NOT have fewer than ${String(value)} characters`;
    case 'maxLength':
      return `must NOT have more than ${String(value)} characters`;
    case 'minItems':
      return `must NOT have fewer than ${String(value)} items`;
    case 'maxItems':
      return `must NOT have more than ${String(value)} items`;
    case 'pattern':
      return `must match pattern "${String(value)}"`;
    case 'anyOf':
      return 'must match a schema in anyOf';
    default:
      return error.error;
  }
}

/** Type errors of `obj` against the CRD schema of `def` (spec and status only). */
export function structuralErrors(def: KindDefinition, obj: unknown): ValidationError[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return [{ path: '', message: `${def.kind} must be an object` }];
  }
  const { validator, schema } = validatorFor(def);
  let result: ReturnType<Validator['validate']>;
  try {
    result = validator.validate(obj);
  } catch {
    // Objects built in memory may hold `undefined` values, which JSON (and the validator) lacks.
    result = validator.validate(JSON.parse(JSON.stringify(obj)) as unknown);
  }
  if (result.valid) return [];
  // The branches of a failed `anyOf` (int-or-string) each fail too; the anyOf error says it all.
  const errors = result.errors.filter(
    (e) => !WRAPPERS.has(e.keyword) && !/\/anyOf\/\d+\//.test(e.keywordLocation),
  );
  return errors.map((e) => {
    const path = pointerParts(e.instanceLocation).join('.');
    return { path, message: `${path || def.kind} ${describe(e, schema)}` };
  });
}
