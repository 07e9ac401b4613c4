import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  assessCrd,
  describeAssessment,
  fieldsMissingFrom,
  type InstalledCrd,
} from '../../../src/api/crd-state.ts';
import { buildCrds, CRD_SPEC_HASH_ANNOTATION } from '../../../src/api/crd.ts';
import { compatPath, compatSkip } from '../../support/compat.ts';

const [deploymentCrd] = buildCrds().filter((c) => c.metadata.name === 'flinkdeployments.flink.apache.org');
const ours = deploymentCrd!;

/** Our CRD as the API server would hold it, with a schema and stored versions of choice. */
function installed(
  overrides: { annotation?: string; schema?: Record<string, unknown>; storedVersions?: string[] } = {},
): InstalledCrd {
  const version = (
    ours.spec.versions as Array<{ name: string; schema: { openAPIV3Schema: Record<string, unknown> } }>
  )[0]!;
  return {
    metadata: {
      name: ours.metadata.name,
      ...(overrides.annotation !== undefined
        ? { annotations: { [CRD_SPEC_HASH_ANNOTATION]: overrides.annotation } }
        : {}),
    },
    spec: {
      versions: [
        {
          name: version.name,
          schema: { openAPIV3Schema: overrides.schema ?? version.schema.openAPIV3Schema },
        },
      ],
    },
    status: { storedVersions: overrides.storedVersions ?? ['v1beta1'] },
  };
}

describe('installed CRDs compared with ours', () => {
  test('a CRD carrying our hash is current; none installed is missing', () => {
    const hash = ours.metadata.annotations[CRD_SPEC_HASH_ANNOTATION];
    assert.equal(assessCrd(ours, installed({ annotation: hash })).state, 'current');
    assert.equal(assessCrd(ours, undefined).state, 'missing');
  });

  test('another definition is outdated and names the fields the API server would drop', () => {
    const schema = structuredClone(
      (
        ours.spec.versions as Array<{
          schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
        }>
      )[0]!.schema.openAPIV3Schema,
    );
    delete schema.properties.spec.properties.schedule;
    const a = assessCrd(ours, installed({ annotation: 'older', schema }));
    assert.equal(a.state, 'outdated');
    assert.deepEqual(a.state === 'outdated' && a.unknownFields, ['spec.schedule']);
    assert.match(describeAssessment(a), /spec\.schedule.*flink-operator crds apply/);
  });

  test('a CRD whose stored versions ours does not define cannot be replaced, and says why', () => {
    const a = assessCrd(ours, installed({ storedVersions: ['v1beta1', 'v1beta2'] }));
    assert.ok(a.state === 'outdated' && a.blocker?.includes('v1beta2'), JSON.stringify(a));
    assert.match(describeAssessment(a), /cannot be replaced/);
  });

  test('fields below a schema that keeps unknown fields are not reported', () => {
    const oursSchema = {
      properties: { spec: { properties: { a: { type: 'string' }, b: { properties: { c: {} } } } } },
    };
    assert.deepEqual(
      fieldsMissingFrom(oursSchema, { properties: { spec: { properties: { b: { properties: {} } } } } }),
      ['spec.a', 'spec.b.c'],
    );
    assert.deepEqual(
      fieldsMissingFrom(oursSchema, {
        properties: { spec: { 'x-kubernetes-preserve-unknown-fields': true } },
      }),
      [],
    );
  });

  const skip = compatSkip();
  test("the Apache operator's CRD lacks the scheduled-run fields", { skip }, () => {
    const apache = parse(
      fs.readFileSync(compatPath('crds', 'flinkdeployments.flink.apache.org-v1.yml'), 'utf8'),
    ) as InstalledCrd;
    const a = assessCrd(ours, { ...apache, status: { storedVersions: ['v1beta1'] } });
    assert.ok(a.state === 'outdated' && !a.blocker, JSON.stringify(a));
    assert.ok(a.state === 'outdated' && a.unknownFields.includes('spec.schedule'), JSON.stringify(a));
  });
});
