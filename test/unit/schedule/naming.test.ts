import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidClusterName } from '../../../src/api/validation/names.ts';
import {
  MAX_RUN_NAME_LENGTH,
  isSubMinute,
  labelValue,
  runNameCandidates,
} from '../../../src/controllers/schedule/naming.ts';

const tick = new Date('2026-03-29T01:00:00Z');

describe('run names', () => {
  it('are {name}-{MMddHHmm} in the schedule time zone', () => {
    assert.equal(runNameCandidates('wordcount', tick, 'UTC', false)[0], 'wordcount-03290100');
    assert.equal(runNameCandidates('wordcount', tick, 'Europe/Berlin', false)[0], 'wordcount-03290300');
    assert.equal(runNameCandidates('wordcount', tick, 'America/Los_Angeles', false)[0], 'wordcount-03281800');
  });

  it('fall back to seconds, then to seconds plus a hash of the instant', () => {
    const [minute, second, instant] = runNameCandidates(
      'wordcount',
      new Date('2026-03-29T01:00:05Z'),
      'UTC',
      false,
    );
    assert.equal(minute, 'wordcount-03290100');
    assert.equal(second, 'wordcount-0329010005');
    assert.match(instant ?? '', /^wordcount-0329010005-[0-9a-f]{4}$/);
  });

  it('use seconds from the start for sub-minute schedules', () => {
    assert.deepEqual(
      runNameCandidates('wordcount', new Date('2026-03-29T01:00:05Z'), 'UTC', true).slice(0, 1),
      ['wordcount-0329010005'],
    );
  });

  it('tell the two passes of a repeated hour apart by the hash', () => {
    // 02:30 CEST and 02:30 CET on 25 October 2026: same wall clock, different instants.
    const first = runNameCandidates('etl', new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin', false);
    const second = runNameCandidates('etl', new Date('2026-10-25T01:30:00Z'), 'Europe/Berlin', false);
    assert.equal(first[0], second[0]);
    assert.equal(first[1], second[1]);
    assert.notEqual(first[2], second[2]);
  });

  it('shorten long template names with a stable hash, within the FlinkDeployment name limit', () => {
    const long = 'a-very-long-template-name-for-the-nightly-reporting-pipeline';
    const [name] = runNameCandidates(long, tick, 'UTC', false);
    assert.ok(name && name.length <= MAX_RUN_NAME_LENGTH, name);
    assert.ok(isValidClusterName(name), name);
    assert.match(name ?? '', /^a-very-long-template-name-for-[0-9a-f]{6}-03290100$/);
    assert.equal(runNameCandidates(long, tick, 'UTC', false)[0], name, 'stable');
    const other = runNameCandidates(`${long}-2`, tick, 'UTC', false)[0];
    assert.notEqual(other, name, 'two templates sharing a prefix get different names');
  });

  it('keep a name that fits exactly and shorten one character more', () => {
    const fits = 'x'.repeat(MAX_RUN_NAME_LENGTH - 9);
    assert.equal(runNameCandidates(fits, tick, 'UTC', false)[0], `${fits}-03290100`);
    const over = `${fits}y`;
    assert.notEqual(runNameCandidates(over, tick, 'UTC', false)[0], `${over}-03290100`);
  });

  it('are valid cluster names for any valid Kubernetes object name', () => {
    const dns1123 = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,120}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        dns1123,
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.boolean(),
        (base, when, subMinute) => {
          for (const name of runNameCandidates(base, when, 'Europe/Berlin', subMinute)) {
            assert.ok(isValidClusterName(name), `${base} -> ${name}`);
          }
        },
      ),
    );
  });
});

describe('isSubMinute', () => {
  for (const [expression, expected] of [
    ['*/5 * * * * ?', true],
    ['0,30 * * * * ?', true],
    ['0 */5 * * * ?', false],
    ['15 0 2 * * ? 2027', false],
    ['*/5 * * * *', false],
    ['@daily', false],
  ] as const) {
    it(`${expression} -> ${expected}`, () => assert.equal(isSubMinute(expression), expected));
  }
});

describe('labelValue', () => {
  it('keeps short names and shortens long ones to 63 characters', () => {
    assert.equal(labelValue('nightly'), 'nightly');
    const long = `report.${'x'.repeat(80)}`;
    const value = labelValue(long);
    assert.ok(value.length <= 63);
    assert.match(value, /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    assert.equal(labelValue(long), value);
  });
});
