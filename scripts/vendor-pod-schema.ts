/**
 * Writes `src/api/schema/kubernetes-pod.schema.json`: the structural schema of a core/v1 Pod, used
 * for the `podTemplate` fields of our CRDs. It is derived from the OpenAPI v3 document that
 * Kubernetes publishes in its source tree (taken from the Go module cache that the local control
 * plane build fills), reduced to what a CRD schema may hold: references inlined, quantities and
 * int-or-string values marked as such, and nothing that would make the API server default,
 * reject or merge pod templates differently from a schema that only knows types (no required
 * lists, enums, defaults, formats or list-type markers).
 *
 * Run it again after bumping PINNED.kubernetes: `node --import tsx scripts/vendor-pod-schema.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PINNED, goCacheDirs } from '../src/devcluster/versions.ts';

type OpenApiSchema = { [key: string]: unknown };

const POD = 'io.k8s.api.core.v1.Pod';
const INT_OR_STRING = new Set([
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
]);
const KEPT_KEYS = new Set(['type', 'properties', 'items', 'additionalProperties']);

function refName(ref: string): string {
  return ref.replace('#/components/schemas/', '');
}

function convert(node: OpenApiSchema, defs: Record<string, OpenApiSchema>, seen: string[]): OpenApiSchema {
  const ref = typeof node.$ref === 'string' ? node.$ref : undefined;
  const allOf = Array.isArray(node.allOf) ? (node.allOf as OpenApiSchema[]) : undefined;
  const target =
    ref ?? (allOf?.length === 1 && typeof allOf[0]?.$ref === 'string' ? allOf[0].$ref : undefined);
  if (target !== undefined) {
    const name = refName(target);
    if (INT_OR_STRING.has(name))
      return { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
    if (seen.includes(name)) throw new Error(`recursive schema at ${[...seen, name].join(' -> ')}`);
    const def = defs[name];
    if (!def) throw new Error(`unknown schema ${name}`);
    return convert(def, defs, [...seen, name]);
  }
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT_KEYS.has(key)) continue;
    if (key === 'properties') {
      const props: OpenApiSchema = {};
      for (const [p, s] of Object.entries(value as Record<string, OpenApiSchema>).sort(([a], [b]) =>
        a.localeCompare(b),
      )) {
        props[p] = convert(s, defs, seen);
      }
      out.properties = props;
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = convert(value as OpenApiSchema, defs, seen);
    } else {
      out[key] = value;
    }
  }
  if (out.type === undefined) out.type = 'object';
  return out;
}

/**
 * Alpha fields that older Kubernetes versions had and this one dropped. Pod templates written for
 * the compatible operator's CRDs may hold them, and the API server would silently prune them, so
 * they stay in the schema.
 */
function keepDroppedAlphaFields(pod: OpenApiSchema): void {
  const at = (node: OpenApiSchema | undefined, ...keys: string[]): OpenApiSchema | undefined =>
    keys.reduce<OpenApiSchema | undefined>((n, k) => n?.[k] as OpenApiSchema | undefined, node);
  const claimStatus = at(
    pod,
    'properties',
    'status',
    'properties',
    'nodeAllocatableResourceClaimStatuses',
    'items',
    'properties',
  );
  if (claimStatus && !claimStatus.resources) {
    claimStatus.resources = {
      type: 'object',
      additionalProperties: {
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        'x-kubernetes-int-or-string': true,
      },
    };
  }
}

const source = path.join(
  goCacheDirs().modCache,
  'k8s.io',
  `kubernetes@${PINNED.kubernetes}`,
  'api',
  'openapi-spec',
  'v3',
  'api__v1_openapi.json',
);
const doc = JSON.parse(fs.readFileSync(source, 'utf8')) as {
  components: { schemas: Record<string, OpenApiSchema> };
};
const pod = convert(doc.components.schemas[POD] ?? {}, doc.components.schemas, [POD]);
keepDroppedAlphaFields(pod);
const out = path.join('src', 'api', 'schema', 'kubernetes-pod.schema.json');
fs.writeFileSync(
  out,
  JSON.stringify({ source: `core/v1 Pod, Kubernetes ${PINNED.kubernetes}`, schema: pod }, null, 1) + '\n',
);
console.log(`wrote ${out}`);
