/**
 * Checks an object against the schema of its CRD, as the API server does on create and update,
 * so validation can rely on field types before applying the semantic rules.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { objectSchema } from '../crd.ts';
import type { KindDefinition } from '../kinds.ts';
import type { ValidationError } from './errors.ts';

// The `x-kubernetes-*` extensions are not JSON Schema keywords; they only matter to the API server.
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(def: KindDefinition): ValidateFunction {
  let validate = compiled.get(def.kind);
  if (!validate) {
    validate = ajv.compile(objectSchema(def));
    compiled.set(def.kind, validate);
  }
  return validate;
}

function toDotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}

/** Type errors of `obj` against the CRD schema of `def` (spec and status only). */
export function structuralErrors(def: KindDefinition, obj: unknown): ValidationError[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return [{ path: '', message: `${def.kind} must be an object` }];
  }
  const validate = validatorFor(def);
  if (validate(obj)) return [];
  // `anyOf` failures repeat each branch's error; the int-or-string parent message says it all.
  const errors = (validate.errors ?? []).filter((e) => !/\/anyOf\/\d+\//.test(e.schemaPath));
  return errors.map((e) => {
    const path = toDotted(e.instancePath);
    return { path, message: `${path || def.kind} ${describe(e)}` };
  });
}
