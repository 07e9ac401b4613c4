/**
 * Compares two structural CRD schemas the way it matters to users: every field of `theirs` must
 * exist in `ours` with the same type and accept the same enum values; what `ours` has beyond that
 * is reported as an addition.
 */
type Node = { [key: string]: unknown };

export interface SchemaDiff {
  /** Their fields that we lack or type differently. */
  problems: string[];
  /** Our fields (`path`) and enum values (`path=VALUE`) they do not have; only the top of each added subtree. */
  additions: string[];
}

function kindOf(node: Node): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.type === undefined) return 'any';
  return typeof node.type === 'string' ? node.type : 'untyped';
}

function child(node: Node, key: 'properties' | 'items' | 'additionalProperties'): unknown {
  return node[key];
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function diffSchemas(theirs: Node, ours: Node, path = ''): SchemaDiff {
  const result: SchemaDiff = { problems: [], additions: [] };
  const at = path || '<root>';
  if (kindOf(theirs) !== kindOf(ours)) {
    result.problems.push(`${at}: type ${kindOf(theirs)} upstream, ${kindOf(ours)} here`);
    return result;
  }
  if (
    theirs['x-kubernetes-preserve-unknown-fields'] === true &&
    ours['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    result.problems.push(`${at}: upstream keeps unknown fields, we prune them`);
  }
  const theirEnum = Array.isArray(theirs.enum) ? (theirs.enum as unknown[]) : undefined;
  const ourEnum = Array.isArray(ours.enum) ? (ours.enum as unknown[]) : undefined;
  if (ourEnum && !theirEnum) result.problems.push(`${at}: we restrict values to an enum, upstream does not`);
  if (theirEnum && ourEnum) {
    for (const v of theirEnum)
      if (!ourEnum.includes(v)) result.problems.push(`${at}: enum value ${String(v)} missing`);
    for (const v of ourEnum) if (!theirEnum.includes(v)) result.additions.push(`${path}=${String(v)}`);
  }
  const merge = (d: SchemaDiff) => {
    result.problems.push(...d.problems);
    result.additions.push(...d.additions);
  };
  const theirProps = child(theirs, 'properties');
  const ourProps = isNode(child(ours, 'properties')) ? (child(ours, 'properties') as Node) : {};
  if (isNode(theirProps)) {
    for (const [key, value] of Object.entries(theirProps)) {
      const mine = ourProps[key];
      const sub = path ? `${path}.${key}` : key;
      if (!isNode(mine)) result.problems.push(`${sub}: missing`);
      else if (isNode(value)) merge(diffSchemas(value, mine, sub));
    }
  }
  for (const key of Object.keys(ourProps)) {
    if (!isNode(theirProps) || !(key in theirProps)) result.additions.push(path ? `${path}.${key}` : key);
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const t = child(theirs, key);
    const o = child(ours, key);
    const sub = `${path}${key === 'items' ? '[]' : '{}'}`;
    if (isNode(t)) {
      if (!isNode(o)) result.problems.push(`${sub}: missing`);
      else merge(diffSchemas(t, o, sub));
    }
  }
  return result;
}
