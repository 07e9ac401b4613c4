/**
 * Small TypeBox builders for the shapes a structural CRD schema allows. Each returns a schema whose
 * JSON form is valid inside `openAPIV3Schema` and whose static type is what a client reads back.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A string restricted to `values` (rendered as `enum`, not as TypeBox's `anyOf` of constants). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object with arbitrary keys whose values all follow `value` (`additionalProperties`). */
export function MapOf<S extends TSchema>(
  value: S,
  options: { description?: string } = {},
): TUnsafe<Record<string, Static<S>>> {
  return Type.Unsafe<Record<string, Static<S>>>({ type: 'object', additionalProperties: value, ...options });
}

/** A Kubernetes quantity or int-or-string value ("500m", "2Gi", 3). */
export function IntOrString(): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  });
}

/** Any JSON value kept as sent (no pruning, no type check by the API server). */
export function AnyJson<T>(options: { description?: string } = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ 'x-kubernetes-preserve-unknown-fields': true, ...options });
}

/** An object with no fields of its own: its presence is the information. */
export function Marker(options: { description?: string } = {}): TUnsafe<Record<string, never>> {
  return Type.Unsafe<Record<string, never>>({ type: 'object', ...options });
}

/** A JSON object; every field optional (none of the CRDs we are compatible with marks any as required). */
export const Obj = Type.Object;
export const Opt = Type.Optional;
