import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  validateFlinkDeployment,
  validateSessionJob,
  validateStateSnapshot,
} from '../../../src/api/index.ts';
import { deployment, sessionCluster, sessionJob, snapshot, type Json } from './fixtures.ts';

function assertErrorList(result: unknown): void {
  assert.ok(Array.isArray(result));
  for (const e of result) {
    assert.equal(typeof (e as Json).path, 'string');
    assert.equal(typeof (e as Json).message, 'string');
    assert.ok(((e as Json).message as string).length > 0);
  }
}

/** A valid resource with one field, at any depth of its spec, replaced by random JSON. */
function mutated(base: Json): fc.Arbitrary<Json> {
  const paths: string[][] = [];
  const walk = (node: unknown, path: string[]) => {
    paths.push(path);
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    }
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths), fc.jsonValue(), fc.string()).map(([path, value, extraKey]) => {
    const copy = structuredClone(base);
    if (path.length === 0) return value as Json;
    let node = copy as Json;
    for (const key of path.slice(0, -1)) node = node[key] as Json;
    node[path.at(-1) ?? extraKey] = value;
    return copy;
  });
}

const RUNS = 500;

describe('validation of malformed input', () => {
  it('validateFlinkDeployment never throws and returns an error list for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => assertErrorList(validateFlinkDeployment(value))),
      { numRuns: RUNS },
    );
  });

  it('validateFlinkDeployment handles any single-field corruption of a valid deployment', () => {
    const base = deployment({ schedule: { cron: '@daily' }, ingress: { template: '{{name}}.example.com' } });
    fc.assert(
      fc.property(mutated(base), fc.option(fc.jsonValue()), (value, previous) =>
        assertErrorList(validateFlinkDeployment(value, { previous })),
      ),
      { numRuns: RUNS },
    );
  });

  it('validateSessionJob never throws, with or without a (corrupted) session cluster', () => {
    fc.assert(
      fc.property(mutated(sessionJob()), mutated(sessionCluster()), (job, session) => {
        assertErrorList(validateSessionJob(job));
        assertErrorList(validateSessionJob(job, session));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (job, session) =>
        assertErrorList(validateSessionJob(job, session)),
      ),
      { numRuns: RUNS },
    );
  });

  it('validateStateSnapshot never throws', () => {
    fc.assert(
      fc.property(mutated(snapshot()), fc.option(fc.jsonValue()), (s, target) =>
        assertErrorList(validateStateSnapshot(s, { target })),
      ),
      { numRuns: RUNS },
    );
  });

  it('a wrong type anywhere in a valid deployment is reported, not accepted silently', () => {
    // Replacing a string field with a number always breaks the schema, so validation must say so.
    const base = deployment();
    const stringPaths: string[][] = [];
    const walk = (node: unknown, path: string[]) => {
      if (typeof node === 'string' && path[1] !== 'flinkConfiguration') stringPaths.push(path);
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      }
    };
    walk(base.spec, ['spec']);
    fc.assert(
      fc.property(fc.constantFrom(...stringPaths), fc.integer(), (path, n) => {
        const copy = structuredClone(base);
        let node = copy as Json;
        for (const key of path.slice(0, -1)) node = node[key] as Json;
        node[path.at(-1) as string] = n;
        const errors = validateFlinkDeployment(copy);
        assert.ok(
          errors.some((e) => e.path === path.join('.')),
          `${path.join('.')}: ${JSON.stringify(errors)}`,
        );
      }),
    );
  });
});
