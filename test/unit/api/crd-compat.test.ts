import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { buildCrd } from '../../../src/api/crd.ts';
import { KINDS } from '../../../src/api/kinds.ts';
import { diffSchemas } from './schema-diff.ts';
import { compatPath, compatSkip } from '../../support/compat.ts';

type Node = { [key: string]: unknown };

const UPSTREAM = compatPath('crds');
const skip = compatSkip();
const ADDITIONS_DOC = fs.readFileSync(path.join('docs', 'api', 'additions.md'), 'utf8');
const POD_SCHEMA = (
  createRequire(import.meta.url)('../../../src/api/schema/kubernetes-pod.schema.json') as { schema: Node }
).schema;

/** Rows of the first table under `heading` as [kind, second column], backticks removed. */
function documented(heading: string): string[][] {
  const section = ADDITIONS_DOC.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return section
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, 3)
        .map((c) => c.trim().replace(/`/g, '')),
    );
}

function upstreamVersion(plural: string): Node {
  const crd = parse(
    fs.readFileSync(path.join(UPSTREAM, `${plural}.flink.apache.org-v1.yml`), 'utf8'),
  ) as Node;
  return crd;
}

function firstVersion(crd: Node): Node {
  return ((crd.spec as Node).versions as Node[])[0] as Node;
}

/** Resolves `a.b[]{}` style paths (as schema-diff reports them) in a schema. */
function resolve(schema: Node, dotted: string): Node | undefined {
  let node: Node | undefined = schema;
  for (const part of dotted.split('.')) {
    const m = /^([^[{]*)((?:\[\]|\{\})*)$/.exec(part);
    if (!m || !node) return undefined;
    if (m[1]) node = (node.properties as Node | undefined)?.[m[1]] as Node | undefined;
    for (const suffix of (m[2] ?? '').match(/\[\]|\{\}/g) ?? []) {
      node = node?.[suffix === '[]' ? 'items' : 'additionalProperties'] as Node | undefined;
    }
  }
  return node;
}

describe('CRD compatibility with the upstream operator', { skip }, () => {
  const documentedFields = documented('Fields');
  for (const def of KINDS) {
    const upstream = upstreamVersion(def.plural);
    const ours = buildCrd(def) as unknown as Node;

    it(`${def.kind}: has every upstream field with the same type`, () => {
      const diff = diffSchemas(
        (firstVersion(upstream).schema as Node).openAPIV3Schema as Node,
        (firstVersion(ours).schema as Node).openAPIV3Schema as Node,
      );
      assert.deepEqual(diff.problems, []);
    });

    it(`${def.kind}: adds only the fields listed in docs/api/additions.md`, () => {
      const diff = diffSchemas(
        (firstVersion(upstream).schema as Node).openAPIV3Schema as Node,
        (firstVersion(ours).schema as Node).openAPIV3Schema as Node,
      );
      const [podFields, ownFields] = [
        diff.additions.filter((a) => a.includes('podTemplate.')),
        diff.additions.filter((a) => !a.includes('podTemplate.')),
      ];
      const expected = documentedFields.filter(([kind]) => kind === def.kind).map(([, field]) => field);
      assert.deepEqual(ownFields.sort(), (expected as string[]).sort());
      for (const added of podFields) {
        const inPod = added.slice(added.indexOf('podTemplate.') + 'podTemplate.'.length).replace(/=.*$/, '');
        assert.ok(resolve(POD_SCHEMA, inPod), `${added} is not a Kubernetes Pod field`);
      }
    });

    it(`${def.kind}: same names, scope and subresources`, () => {
      const upSpec = upstream.spec as Node;
      const ourSpec = ours.spec as Node;
      assert.equal(ourSpec.group, upSpec.group);
      assert.equal(ourSpec.scope, upSpec.scope);
      assert.deepEqual(ourSpec.names, upSpec.names);
      assert.equal(firstVersion(ours).name, firstVersion(upstream).name);
      assert.deepEqual(firstVersion(ours).subresources, firstVersion(upstream).subresources);
    });

    it(`${def.kind}: upstream printer columns first, documented additions after them, only with -o wide`, () => {
      const upColumns = firstVersion(upstream).additionalPrinterColumns as Node[];
      const ourColumns = firstVersion(ours).additionalPrinterColumns as Node[];
      assert.deepEqual(ourColumns.slice(0, upColumns.length), upColumns);
      const extra = ourColumns.slice(upColumns.length);
      for (const column of extra)
        assert.equal(column.priority, 1, `${String(column.name)} must be a wide-only column`);
      const expected = documented('Printer columns').filter(([kind]) => kind === def.kind);
      assert.deepEqual(
        extra.map((c) => [def.kind, c.name]),
        expected,
      );
    });
  }
});
