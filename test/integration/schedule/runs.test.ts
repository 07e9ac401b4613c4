/**
 * The schedule controller against a real API server: runs of a 5-second Quartz schedule appear on
 * time with their names, owner references, labels, Events and template status; history limits
 * hold; the annotation form cleans up the previous run; a bad schedule is reported and recovers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import {
  CRON_ANNOTATION,
  FLINK_DEPLOYMENTS,
  SCHEDULED_TIME_ANNOTATION,
  SCHEDULED_TIME_LABEL,
  SCHEDULE_LABEL,
} from '../../../src/controllers/schedule/index.ts';
import type { CoreEvent } from '../../../src/runtime/events.ts';
import { KubeClient, WellKnown, type Manager } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { listRuns, recordRuns, sleep, startOperator, templateManifest } from './support.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const managers: Manager[] = [];
const namespaces: Awaited<ReturnType<typeof createTestNamespace>>[] = [];

before(async () => {
  await installCrds(kc);
});
after(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await Promise.all(namespaces.map((n) => n.remove()));
  client.close();
});

async function setUp(prefix: string): Promise<string> {
  const ns = await createTestNamespace(kc, prefix);
  namespaces.push(ns);
  managers.push(await startOperator(kc, ns.name));
  return ns.name;
}

async function events(namespace: string, involved: string): Promise<CoreEvent[]> {
  const list = await client.list<CoreEvent>(WellKnown.events, namespace);
  return list.items.filter((e) => e.involvedObject.name === involved);
}

const getTemplate = (namespace: string, name: string) =>
  client.get<FlinkDeployment>(FLINK_DEPLOYMENTS, namespace, name);

/** `MMddHHmmss` of an instant in UTC. */
const stamp = (ms: number) =>
  new Date(ms).toISOString().replace(/^\d{4}-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*/, '$1$2$3$4$5');

async function writeJobState(namespace: string, name: string, state: 'FINISHED' | 'FAILED'): Promise<void> {
  await client.patch(
    FLINK_DEPLOYMENTS,
    namespace,
    name,
    { status: { jobStatus: { state, updateTime: String(Date.now()) } } },
    {
      subresource: 'status',
    },
  );
}

test('every 5 s a run appears within 1 s of its tick, named, owned, labelled, with Events and template status; history limits hold', async () => {
  const namespace = await setUp('sched');
  const recorder = recordRuns(client, namespace);
  try {
    const created = await client.create(
      FLINK_DEPLOYMENTS,
      templateManifest(namespace, 'wordcount', {
        cron: '*/5 * * * * ?',
        concurrencyPolicy: 'Allow',
        successfulRunsHistoryLimit: 2,
        failedRunsHistoryLimit: 1,
      }),
    );
    await eventually(async () => (recorder.runs.length >= 5 ? true : undefined), {
      timeoutMs: 40_000,
      what: 'five runs',
    });
    const runs = recorder.runs.slice(0, 5);
    const createdMs = Date.parse(created.metadata.creationTimestamp ?? '');

    // One run per tick, consecutive, starting with the first tick after the template was created.
    const ticks = runs.map((r) => r.scheduledMs);
    const first = (Math.floor(createdMs / 5000) + 1) * 5000;
    assert.deepEqual(
      ticks,
      [0, 1, 2, 3, 4].map((i) => first + i * 5000),
    );

    console.log(
      runs
        .map(
          (r) =>
            `${r.name}: created ${r.run.metadata.creationTimestamp}, seen +${r.seenMs - r.scheduledMs} ms`,
        )
        .join('\n'),
    );
    for (const { name, scheduledMs, seenMs, run } of runs) {
      assert.equal(name, `wordcount-${stamp(scheduledMs)}`, 'sub-minute schedules name runs to the second');
      const createdAt = Date.parse(run.metadata.creationTimestamp ?? '');
      // creationTimestamp has 1 s resolution: the run was created in [tick, tick + 1 s).
      assert.ok(
        createdAt >= scheduledMs && createdAt < scheduledMs + 1000,
        `${name} created at ${run.metadata.creationTimestamp}`,
      );
      assert.ok(seenMs - scheduledMs < 1000, `${name} seen ${seenMs - scheduledMs} ms after its tick`);
      assert.ok(seenMs >= scheduledMs, `${name} not before its tick`);
      assert.deepEqual(run.metadata.ownerReferences, [
        {
          apiVersion: 'flink.apache.org/v1beta1',
          kind: 'FlinkDeployment',
          name: 'wordcount',
          uid: created.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.equal(run.metadata.labels?.[SCHEDULE_LABEL], 'wordcount');
      assert.equal(run.metadata.labels?.app, 'wordcount');
      assert.equal(
        run.metadata.labels?.[SCHEDULED_TIME_LABEL],
        new Date(scheduledMs).toISOString().replace(/[-:]|\.\d{3}/g, ''),
      );
      assert.equal(
        run.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION],
        new Date(scheduledMs).toISOString().replace('.000', ''),
      );
      assert.equal(run.spec.schedule, undefined);
      assert.equal(run.spec.job?.jarURI, 'local:///opt/flink/examples/batch/WordCount.jar');
    }

    // The Event follows the run's creation; the last one may still be on its way.
    const submitted = await eventually(
      async () => {
        const list = (await events(namespace, 'wordcount')).filter((e) => e.reason === 'JobStatusChanged');
        const all = runs.every(({ name }) =>
          list.some((e) => e.message === `Submit new job ${name}` && e.type === 'Normal'),
        );
        return all ? list : undefined;
      },
      { what: 'a Submit Event for every run', timeoutMs: 5_000 },
    );
    for (const { name } of runs) {
      assert.ok(
        submitted.some((e) => e.message === `Submit new job ${name}` && e.type === 'Normal'),
        `Event for ${name}`,
      );
    }

    // Stop new ticks, then finish the runs: three succeed, the rest fail.
    await client.patch(FLINK_DEPLOYMENTS, namespace, 'wordcount', { spec: { schedule: { suspend: true } } });
    const status = await eventually(
      async () => {
        const t = await getTemplate(namespace, 'wordcount');
        return t.status?.schedule?.nextScheduleTime === undefined ? t.status : undefined;
      },
      { what: 'suspended status' },
    );
    assert.equal(status?.jobStatus?.state, 'CRON_SCHEDULED');
    const all = (await listRuns(client, namespace)).sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    assert.equal(
      status?.schedule?.lastScheduleTime,
      all.at(-1)?.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION],
    );
    assert.deepEqual(
      status?.schedule?.active,
      all.map((r) => r.metadata.name),
    );
    const names = all.map((r) => r.metadata.name ?? '');
    const succeeded = names.slice(0, 3);
    const failed = names.slice(3);
    for (const name of succeeded) await writeJobState(namespace, name, 'FINISHED');
    for (const name of failed) await writeJobState(namespace, name, 'FAILED');

    const kept = [...succeeded.slice(-2), ...failed.slice(-1)].sort();
    await eventually(
      async () => {
        const left = (await listRuns(client, namespace)).map((r) => r.metadata.name).sort();
        return JSON.stringify(left) === JSON.stringify(kept) ? true : undefined;
      },
      { what: `only ${kept.join(', ')} left` },
    );
    const cleaned = (await events(namespace, 'wordcount'))
      .filter((e) => e.reason === 'Cleanup')
      .map((e) => e.message);
    for (const name of names.filter((n) => !kept.includes(n))) {
      assert.ok(
        cleaned.some((m) => m.startsWith(`Clean up ${name} (`)),
        `Cleanup Event for ${name}: ${cleaned.join('; ')}`,
      );
    }
    const finalStatus = await eventually(
      async () => {
        const s = (await getTemplate(namespace, 'wordcount')).status?.schedule;
        return s?.active?.length === 0 ? s : undefined;
      },
      { what: 'no active runs in status' },
    );
    assert.deepEqual(
      finalStatus.history?.filter((r) => r.name).map((r) => `${r.name} ${r.outcome}`),
      [...succeeded.map((n) => `${n} Succeeded`), ...failed.map((n) => `${n} Failed`)],
    );
    assert.ok(finalStatus.lastSuccessfulTime, 'lastSuccessfulTime');

    // Deleting the template deletes its runs (owner references, garbage collector).
    await client.delete(FLINK_DEPLOYMENTS, namespace, 'wordcount');
    await eventually(async () => ((await listRuns(client, namespace)).length === 0 ? true : undefined), {
      what: 'runs garbage-collected',
      timeoutMs: 60_000,
    });
  } finally {
    recorder.stop();
  }
});

test('the annotation form: each new run cleans up the previous one; a bad cron is reported and fixing it recovers', async () => {
  const namespace = await setUp('sched-ann');
  const recorder = recordRuns(client, namespace);
  try {
    await client.create(
      FLINK_DEPLOYMENTS,
      templateManifest(namespace, 'sketch', undefined, { [CRON_ANNOTATION]: '*/5 * * * * ?' }),
    );
    await eventually(async () => (recorder.runs.length >= 2 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'two runs',
    });
    const [firstRun, secondRun] = recorder.runs;
    assert.ok(firstRun && secondRun);
    assert.equal(secondRun.run.metadata.annotations?.[CRON_ANNOTATION], undefined, 'runs are no templates');
    await eventually(
      async () => {
        const left = (await listRuns(client, namespace)).map((r) => r.metadata.name);
        return !left.includes(firstRun.name) ? true : undefined;
      },
      { what: `${firstRun.name} cleaned up` },
    );
    const messages = (await events(namespace, 'sketch')).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(messages.includes(`JobStatusChanged: Submit new job ${firstRun.name}`), messages.join('\n'));
    assert.ok(messages.includes(`JobStatusChanged: Submit new job ${secondRun.name}`), messages.join('\n'));
    assert.ok(messages.includes(`Cleanup: Clean up ${firstRun.name}`), messages.join('\n'));
    assert.equal((await getTemplate(namespace, 'sketch')).status?.jobStatus?.state, 'CRON_SCHEDULED');

    // A broken cron: a status error, a Warning, no runs.
    await client.patch(FLINK_DEPLOYMENTS, namespace, 'sketch', {
      metadata: { annotations: { [CRON_ANNOTATION]: 'every five seconds' } },
    });
    const broken = await eventually(
      async () => {
        const t = await getTemplate(namespace, 'sketch');
        return t.status?.error ? t : undefined;
      },
      { what: 'status error' },
    );
    assert.match(broken.status?.error ?? '', /Invalid cron expression 'every five seconds'/);
    const warning = (await events(namespace, 'sketch')).find((e) => e.reason === 'InvalidSchedule');
    assert.equal(warning?.type, 'Warning');
    const countWhileBroken = recorder.runs.length;
    await sleep(6000);
    assert.equal(recorder.runs.length, countWhileBroken, 'no runs while the cron is invalid');

    await client.patch(FLINK_DEPLOYMENTS, namespace, 'sketch', {
      metadata: { annotations: { [CRON_ANNOTATION]: '*/5 * * * * ?' } },
    });
    await eventually(async () => (recorder.runs.length > countWhileBroken ? true : undefined), {
      timeoutMs: 15_000,
      what: 'runs again',
    });
    await eventually(
      async () => ((await getTemplate(namespace, 'sketch')).status?.error === undefined ? true : undefined),
      {
        what: 'error cleared',
      },
    );
  } finally {
    recorder.stop();
  }
});
