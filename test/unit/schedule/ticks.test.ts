import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCron } from '../../../src/api/index.ts';
import { dueTick, nextTick } from '../../../src/controllers/schedule/ticks.ts';

function cron(expression: string, timeZone = 'UTC') {
  const parsed = parseCron(expression, timeZone);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.cron;
}

/** The first `n` ticks after `from`, as UTC ISO strings. */
function ticks(expression: string, from: string, n: number, timeZone = 'UTC'): string[] {
  const c = cron(expression, timeZone);
  const out: string[] = [];
  let t = new Date(from);
  for (let i = 0; i < n; i++) {
    t = nextTick(c, t) as Date;
    out.push(t.toISOString());
  }
  return out;
}

describe('next tick across cron dialects', () => {
  const from = '2026-03-10T10:00:00Z'; // a Tuesday
  const cases: [string, string, string[]][] = [
    ['Quartz seconds step', '*/5 * * * * ?', ['2026-03-10T10:00:05.000Z', '2026-03-10T10:00:10.000Z']],
    ['Quartz with year', '0 0 12 * * ? 2027', ['2027-01-01T12:00:00.000Z', '2027-01-02T12:00:00.000Z']],
    ['Quartz 2 a.m. daily', '0 0 2 * * ?', ['2026-03-11T02:00:00.000Z', '2026-03-12T02:00:00.000Z']],
    ['Quartz last day of month', '0 0 12 L * ?', ['2026-03-31T12:00:00.000Z', '2026-04-30T12:00:00.000Z']],
    ['Quartz nearest weekday', '0 0 9 15W * ?', ['2026-03-16T09:00:00.000Z', '2026-04-15T09:00:00.000Z']],
    [
      'Quartz first Monday (2 = Monday)',
      '0 0 8 ? * 2#1',
      ['2026-04-06T08:00:00.000Z', '2026-05-04T08:00:00.000Z'],
    ],
    [
      'Quartz weekdays by name',
      '0 30 6 ? * MON-FRI',
      ['2026-03-11T06:30:00.000Z', '2026-03-12T06:30:00.000Z'],
    ],
    ['classic 5 fields', '15 10 * * *', ['2026-03-10T10:15:00.000Z', '2026-03-11T10:15:00.000Z']],
    ['classic Sunday = 0', '0 0 * * 0', ['2026-03-15T00:00:00.000Z', '2026-03-22T00:00:00.000Z']],
    ['@hourly', '@hourly', ['2026-03-10T11:00:00.000Z', '2026-03-10T12:00:00.000Z']],
    ['@daily', '@daily', ['2026-03-11T00:00:00.000Z', '2026-03-12T00:00:00.000Z']],
    ['@weekly', '@weekly', ['2026-03-15T00:00:00.000Z', '2026-03-22T00:00:00.000Z']],
    ['@monthly', '@monthly', ['2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z']],
    ['@yearly', '@yearly', ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']],
    ['leap day', '0 0 29 2 *', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']],
  ];
  for (const [title, expression, expected] of cases) {
    it(`${title}: ${expression}`, () => assert.deepEqual(ticks(expression, from, 2), expected));
  }

  it('reads the expression in its time zone', () => {
    assert.deepEqual(ticks('0 0 2 * * ?', from, 1, 'America/New_York'), ['2026-03-11T06:00:00.000Z']);
    assert.deepEqual(ticks('@daily', from, 1, 'Asia/Kolkata'), ['2026-03-10T18:30:00.000Z']);
  });
});

describe('daylight saving time in Europe/Berlin', () => {
  it('a fixed time in the skipped hour (29 March) runs at the first valid instant, 03:00 CEST', () => {
    assert.deepEqual(ticks('0 30 2 * * ?', '2026-03-28T00:00:00Z', 3, 'Europe/Berlin'), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist that day
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('a fixed time in the repeated hour (25 October) runs once', () => {
    assert.deepEqual(ticks('0 30 2 * * ?', '2026-10-24T12:00:00Z', 2, 'Europe/Berlin'), [
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first pass
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('an interval schedule runs through both passes of the repeated hour', () => {
    assert.deepEqual(ticks('*/30 * * * *', '2026-10-25T00:00:00Z', 4, 'Europe/Berlin'), [
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });

  it('the most recent tick agrees with the next ones across the gap', () => {
    const c = cron('0 30 2 * * ?', 'Europe/Berlin');
    const due = dueTick(c, Date.parse('2026-03-28T12:00:00Z'), new Date('2026-03-29T12:00:00Z'), 100);
    assert.equal(due.tick?.toISOString(), '2026-03-29T01:00:00.000Z');
  });
});

describe('dueTick', () => {
  const every5s = cron('*/5 * * * * ?');
  const handled = Date.parse('2026-03-10T10:00:00Z');

  it('nothing is due before the first tick after the handled one', () => {
    assert.deepEqual(dueTick(every5s, handled, new Date('2026-03-10T10:00:04.999Z'), 100), {
      missed: 0,
      tooMany: false,
    });
  });

  it('a tick is due from its very instant', () => {
    const due = dueTick(every5s, handled, new Date('2026-03-10T10:00:05Z'), 100);
    assert.equal(due.tick?.toISOString(), '2026-03-10T10:00:05.000Z');
    assert.equal(due.missed, 1);
  });

  it('after downtime only the most recent tick is due, and the misses are counted', () => {
    const due = dueTick(every5s, handled, new Date('2026-03-10T10:01:02Z'), 100);
    assert.equal(due.tick?.toISOString(), '2026-03-10T10:01:00.000Z');
    assert.equal(due.missed, 12);
    assert.equal(due.tooMany, false);
  });

  it('more than the limit of misses is flagged, the latest tick still due', () => {
    const due = dueTick(every5s, handled, new Date('2026-03-10T11:00:01Z'), 100);
    assert.equal(due.tick?.toISOString(), '2026-03-10T11:00:00.000Z');
    assert.equal(due.tooMany, true);
  });

  it('with a starting deadline only the ticks inside it count as misses', () => {
    const due = dueTick(every5s, handled, new Date('2026-03-10T11:00:01Z'), 100, 12_000);
    assert.equal(due.tick?.toISOString(), '2026-03-10T11:00:00.000Z');
    assert.equal(due.missed, 3); // 10:59:50, 10:59:55, 11:00:00
    assert.equal(due.tooMany, false);
  });

  it('a schedule that fires every four years is not "too many missed"', () => {
    const leap = cron('0 0 29 2 *');
    const due = dueTick(leap, Date.parse('2024-03-01T00:00:00Z'), new Date('2028-03-01T00:00:00Z'), 100);
    assert.equal(due.tick?.toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(due.missed, 1);
  });
});
