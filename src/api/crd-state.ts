/**
 * How the CRDs installed in a cluster compare with this release's: current, missing, or another
 * definition (the Apache operator's, an older release's) that would prune fields only this release
 * knows. Read at operator start and by `flink-operator crds`; decided by pure functions.
 */
import type { CustomResourceDefinition, JsonSchema } from './crd.ts';
import { CRD_SPEC_HASH_ANNOTATION } from './crd.ts';

/** What the API server holds for a CRD, as far as the comparison needs it. */
export interface InstalledCrd {
  metadata: { name?: string; annotations?: Record<string, string> };
  spec?: { versions?: Array<{ name?: string; schema?: { openAPIV3Schema?: JsonSchema } }> };
  status?: { storedVersions?: string[] };
}

export type CrdAssessment =
  | { name: string; state: 'current' }
  | { name: string; state: 'missing' }
  | {
      name: string;
      state: 'outdated';
      /** Fields of ours the installed schema does not declare: the API server prunes them on write. */
      unknownFields: string[];
      /** Set when replacing it would be refused: versions stored in etcd that ours does not define. */
      blocker?: string;
    };

/** The command that brings the CRDs to this release, named in every message about them. */
export const CRD_UPGRADE_COMMAND = 'flink-operator crds apply';

export function assessCrd(
  ours: CustomResourceDefinition,
  installed: InstalledCrd | undefined,
): CrdAssessment {
  const name = ours.metadata.name;
  if (!installed) return { name, state: 'missing' };
  const hash = ours.metadata.annotations[CRD_SPEC_HASH_ANNOTATION];
  if (installed.metadata.annotations?.[CRD_SPEC_HASH_ANNOTATION] === hash) return { name, state: 'current' };
  const versions =
    (ours.spec.versions as Array<{ name: string; schema: { openAPIV3Schema: JsonSchema } }>) ?? [];
  const unknownFields = new Set<string>();
  for (const version of versions) {
    const theirs = installed.spec?.versions?.find((v) => v.name === version.name)?.schema?.openAPIV3Schema;
    for (const field of fieldsMissingFrom(version.schema.openAPIV3Schema, theirs)) unknownFields.add(field);
  }
  const served = new Set(versions.map((v) => v.name));
  const unserved = (installed.status?.storedVersions ?? []).filter((v) => !served.has(v));
  return {
    name,
    state: 'outdated',
    // Shallowest first: `spec.schedule` matters more than a probe field of a newer pod schema.
    unknownFields: [...unknownFields].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b)),
    ...(unserved.length > 0
      ? {
          blocker: `objects of ${name} are stored as ${unserved.join(', ')}, which this release does not define; migrate them to ${[...served].join(', ')} and remove those versions from status.storedVersions first`,
        }
      : {}),
  };
}

/**
 * Property paths declared by `ours` and absent from `theirs` (the shallowest absent one of each
 * branch), under `spec` and `status`. Where theirs keeps unknown fields, nothing below is pruned.
 */
export function fieldsMissingFrom(ours: JsonSchema, theirs: JsonSchema | undefined, prefix = ''): string[] {
  if (theirs === undefined) return prefix ? [prefix] : [];
  if (theirs['x-kubernetes-preserve-unknown-fields'] === true) return [];
  const out: string[] = [];
  const ourProps = (ours.properties ?? {}) as Record<string, JsonSchema>;
  const theirProps = (theirs.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, child] of Object.entries(ourProps)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in theirProps)) {
      // Beyond spec/status at the top, an absent property is pruned only if theirs has properties.
      out.push(path);
      continue;
    }
    out.push(...fieldsMissingFrom(child, theirProps[key], path));
  }
  const ourItems = ours.items as JsonSchema | undefined;
  const theirItems = theirs.items as JsonSchema | undefined;
  if (ourItems && theirItems) out.push(...fieldsMissingFrom(ourItems, theirItems, `${prefix}[]`));
  const ourValues = ours.additionalProperties;
  const theirValues = theirs.additionalProperties;
  if (isSchema(ourValues) && isSchema(theirValues))
    out.push(...fieldsMissingFrom(ourValues, theirValues, `${prefix}.*`));
  return out;
}

const depth = (path: string): number => path.split(/\.|\[\]/).length;

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null;

/** One line a user can act on. */
export function describeAssessment(a: CrdAssessment): string {
  switch (a.state) {
    case 'current':
      return `${a.name}: current`;
    case 'missing':
      return `${a.name}: not installed; run \`${CRD_UPGRADE_COMMAND}\` (or install the chart)`;
    case 'outdated': {
      const fields =
        a.unknownFields.length > 0
          ? `; the API server drops these fields on write: ${a.unknownFields.slice(0, 8).join(', ')}${a.unknownFields.length > 8 ? `, and ${a.unknownFields.length - 8} more` : ''}`
          : '';
      const action = a.blocker
        ? `cannot be replaced: ${a.blocker}`
        : `run \`${CRD_UPGRADE_COMMAND}\` to replace it (resources are kept)`;
      return `${a.name}: not this release's definition (the Apache operator's or an older release's)${fields}; ${action}`;
    }
  }
}
