/**
 * Restarts modelled with the planner: a reconcile may crash at any point between its actions and
 * may read a stale cache; the deterministic run name stands in for the API server's AlreadyExists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import { SCHEDULED_TIME_ANNOTATION } from '../../../src/controllers/schedule/labels.ts';
import { planSchedule } from '../../../src/controllers/schedule/planner.ts';
import { applyScheduleStatus } from '../../../src/controllers/schedule/status.ts';
import { template } from './fixtures.ts';

/** How far a reconcile gets: 0 nothing, 1 the run created, 2 also the status written. */
type Progress = 0 | 1 | 2;

interface World {
  template: FlinkDeployment;
  runs: FlinkDeployment[];
  /** What a stale cache still shows: the template and runs before the last reconcile. */
  stale: { template: FlinkDeployment; runs: FlinkDeployment[] };
}

function reconcile(world: World, now: Date, progress: Progress, staleCache: boolean): void {
  const seen = staleCache ? world.stale : { template: world.template, runs: world.runs };
  world.stale = { template: world.template, runs: [...world.runs] };
  const plan = planSchedule(seen.template, seen.runs, now);
  if (progress === 0) return;
  if (plan.create) {
    const name = plan.create.run.metadata.name;
    const existing = world.runs.find((r) => r.metadata.name === name);
    if (!existing)
      world.runs.push({ ...plan.create.run, metadata: { ...plan.create.run.metadata, uid: `uid-${name}` } });
    else
      assert.equal(
        Date.parse(existing.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? ''),
        plan.create.scheduled.getTime(),
        'a taken name belongs to the same tick',
      );
  }
  if (progress === 2 && plan.status) {
    world.template = { ...world.template, status: applyScheduleStatus(world.template.status, plan.status) };
  }
}

function ticksOf(runs: FlinkDeployment[]): string[] {
  return runs.map((r) => new Date(r.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? '').toISOString());
}

describe('restarts and stale caches', () => {
  const start = Date.parse('2026-03-10T10:00:00Z');
  const fresh = () => {
    const t = template({ cron: '*/5 * * * * ?', concurrencyPolicy: 'Allow' });
    t.metadata.creationTimestamp = '2026-03-10T10:00:00Z';
    return { template: t, runs: [], stale: { template: t, runs: [] } } as World;
  };

  it('no tick ever gets two runs, wherever reconciles crash and however stale their cache', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gapMs: fc.integer({ min: 0, max: 12_000 }),
            progress: fc.constantFrom<Progress>(0, 1, 2),
            stale: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        (steps) => {
          const world = fresh();
          let now = start;
          for (const step of steps) {
            now += step.gapMs;
            reconcile(world, new Date(now), step.progress, step.stale);
          }
          const ticks = ticksOf(world.runs);
          assert.equal(new Set(ticks).size, ticks.length, `duplicates in ${ticks.join(', ')}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('no tick is lost while every tick interval sees one reconcile that gets past the create', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ progress: fc.constantFrom<Progress>(0, 1, 2), stale: fc.boolean() }), {
          minLength: 40,
          maxLength: 40,
        }),
        (crashes) => {
          const world = fresh();
          // Two reconciles per 5 s tick: a possibly crashing one, then a complete one.
          crashes.forEach((crash, i) => {
            const tickStart = start + (i + 1) * 5000;
            reconcile(world, new Date(tickStart + 100), crash.progress, crash.stale);
            reconcile(world, new Date(tickStart + 2600), 2, false);
          });
          const expected = crashes.map((_, i) => new Date(start + (i + 1) * 5000).toISOString());
          assert.deepEqual(ticksOf(world.runs).sort(), expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
