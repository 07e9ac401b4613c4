/** RFC 6902 JSON Patch operations that turn one JSON document into another. */

export interface PatchOperation {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON Pointer token: `~` and `/` escaped as RFC 6901 says. */
const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return (
      keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length &&
      keys.every((k) => equal(a[k], b[k]))
    );
  }
  return false;
}

/**
 * The additions and replacements from `before` to `after`; fields missing from `after` are never
 * removed (defaulting only ever adds). Objects are compared field by field, arrays as a whole.
 */
export function diffToPatch(before: unknown, after: unknown, path = ''): PatchOperation[] {
  if (isObject(before) && isObject(after)) {
    return Object.entries(after).flatMap(([key, value]): PatchOperation[] => {
      if (value === undefined) return [];
      const at = `${path}/${token(key)}`;
      if (!(key in before) || before[key] === undefined) return [{ op: 'add', path: at, value }];
      return diffToPatch(before[key], value, at);
    });
  }
  return equal(before, after) ? [] : [{ op: 'replace', path: path, value: after }];
}

/** The value at a JSON Pointer, or undefined. */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (isObject(node)) node = node[key];
    else if (Array.isArray(node)) node = node[Number(key)];
    else return undefined;
  }
  return node;
}
