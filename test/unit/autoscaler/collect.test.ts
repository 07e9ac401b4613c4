import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { collect, topologicalOrder } from '../../../src/autoscaler/collect.ts';
import { FlinkRestClient } from '../../../src/flink/rest/client.ts';

const JOB = 'j1';
const SRC = 'aaaa';
const MAP = 'bbbb';

/** Answers the REST calls of one collection the way Flink 2.x does for a Kafka source -> keyed map job. */
const routes: Record<string, unknown> = {
  [`/v1/jobs/${JOB}`]: {
    jid: JOB,
    name: 'job',
    state: 'RUNNING',
    'start-time': 1000,
    timestamps: { RUNNING: 1500 },
    vertices: [
      {
        id: MAP,
        name: 'Map',
        parallelism: 2,
        maxParallelism: 128,
        status: 'RUNNING',
        metrics: { 'read-records': 900, 'write-records': 0 },
      },
      {
        id: SRC,
        name: 'Source: kafka',
        parallelism: 1,
        maxParallelism: 128,
        status: 'RUNNING',
        metrics: { 'read-records': 0, 'write-records': 1000 },
      },
    ],
  },
  [`/v1/jobs/${JOB}/plan`]: {
    plan: {
      jid: JOB,
      name: 'job',
      nodes: [
        { id: MAP, parallelism: 2, inputs: [{ num: 0, id: SRC, ship_strategy: 'HASH' }] },
        { id: SRC, parallelism: 1 },
      ],
    },
  },
  [`/v1/jobs/${JOB}/vertices/${SRC}/subtasks/metrics`]: [
    { id: 'busyTimeMsPerSecond' },
    { id: 'Source__kafka.numRecordsIn' },
    { id: 'Source__kafka.numRecordsOut' },
    { id: 'Source__kafka.numRecordsInPerSecond' },
    { id: 'Source__kafka.numRecordsOutPerSecond' },
    { id: 'Source__kafka.pendingRecords' },
    { id: 'Source__kafka.KafkaSourceReader.topic.orders.partition.0.currentOffset' },
    { id: 'Source__kafka.KafkaSourceReader.topic.orders.partition.1.currentOffset' },
    { id: 'Source__kafka.KafkaSourceReader.topic.orders.partition.2.currentOffset' },
  ],
  [`/v1/jobs/${JOB}/vertices/${SRC}/subtasks/metrics?get=busyTimeMsPerSecond,numRecordsInPerSecond,backPressuredTimeMsPerSecond,Source__kafka.numRecordsIn,Source__kafka.numRecordsOut,Source__kafka.numRecordsInPerSecond,Source__kafka.numRecordsOutPerSecond,Source__kafka.pendingRecords`]:
    [
      { id: 'busyTimeMsPerSecond', max: 300, avg: 250 },
      { id: 'backPressuredTimeMsPerSecond', max: 200, avg: 100 },
      { id: 'Source__kafka.numRecordsIn', sum: 1000 },
      // This reader counts no input: its output rate stands in.
      { id: 'Source__kafka.numRecordsInPerSecond', sum: 0 },
      { id: 'Source__kafka.numRecordsOutPerSecond', sum: 33.5 },
      { id: 'Source__kafka.pendingRecords', sum: 42 },
    ],
  // Flink writes a metric it cannot compute as the string "NaN".
  [`/v1/jobs/${JOB}/vertices/${MAP}/subtasks/metrics?get=busyTimeMsPerSecond,numRecordsInPerSecond`]: [
    { id: 'busyTimeMsPerSecond', max: 'NaN', avg: 500 },
    { id: 'numRecordsInPerSecond', sum: 95.5 },
  ],
  // Recorded from a Flink 2.2.1 TaskManager with taskmanager.memory.process.size 1280m (the GC time added).
  '/v1/taskmanagers/metrics?get=Status.JVM.GarbageCollector.All.TimeMsPerSecond,Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max,Status.JVM.Memory.Metaspace.Used,Status.Flink.Memory.Managed.Used':
    [
      { id: 'Status.JVM.GarbageCollector.All.TimeMsPerSecond', min: 20, max: 20, avg: 20, sum: 20 },
      { id: 'Status.JVM.Memory.Heap.Used', min: 32151232, max: 32151232, avg: 32151232, sum: 32151232 },
      { id: 'Status.JVM.Memory.Heap.Max', min: 301989888, max: 301989888, avg: 301989888, sum: 301989888 },
      { id: 'Status.JVM.Memory.Metaspace.Used', min: 38502360, max: 38502360, avg: 38502360, sum: 38502360 },
      { id: 'Status.Flink.Memory.Managed.Used', min: 0, max: 0, avg: 0, sum: 0 },
    ],
  '/v1/overview': {
    taskmanagers: 1,
    'slots-total': 2,
    'slots-available': 0,
    'jobs-running': 1,
    'jobs-finished': 0,
    'jobs-cancelled': 0,
    'jobs-failed': 0,
    'flink-version': '2.2.1',
    'flink-commit': '450c63e',
  },
};

let server: http.Server;
let rest: FlinkRestClient;
before(async () => {
  server = http.createServer((req, res) => {
    const body = routes[decodeURIComponent(req.url ?? '')];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { errors: ['Not found'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rest = new FlinkRestClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
after(() => server.close());

test('one collection reads the graph, vertex metrics, source backlog and partitions, and TaskManager memory', async () => {
  const c = await collect(rest, JOB, 5000);
  assert.equal(c.runningSince, 1500);
  assert.deepEqual(
    c.topology.vertices.map((v) => [v.id, v.parallelism, v.inputs, v.outputs, v.sourcePartitions]),
    [
      [SRC, 1, [], [MAP], 3],
      [MAP, 2, [{ id: SRC, shipStrategy: 'HASH' }], [], undefined],
    ],
  );
  assert.deepEqual(c.sample, {
    time: 5000,
    vertices: {
      [SRC]: {
        busyTimeMaxMs: 300,
        busyTimeAvgMs: 250,
        numRecordsIn: 1000,
        numRecordsOut: 1000,
        lag: 42,
        sourceRecordsInPerSecond: 33.5,
        backPressuredTimeAvgMs: 100,
      },
      [MAP]: { busyTimeAvgMs: 500, numRecordsInPerSecond: 95.5, numRecordsIn: 900, numRecordsOut: 0 },
    },
    global: {
      gcPressure: 0.02,
      heapUsedBytes: 32151232,
      heapUsage: 32151232 / 301989888,
      metaspaceUsedBytes: 38502360,
      managedUsedBytes: 0,
      slotsUsed: 2,
    },
  });
});

test('vertices come in graph order, and a cycle is refused', () => {
  const v = (id: string, inputs: string[]) => ({
    id,
    name: id,
    parallelism: 1,
    maxParallelism: 1,
    inputs: inputs.map((i) => ({ id: i, shipStrategy: 'FORWARD' })),
    outputs: [],
  });
  assert.deepEqual(
    topologicalOrder([v('c', ['a', 'b']), v('b', ['a']), v('a', [])]).map((x) => x.id),
    ['a', 'b', 'c'],
  );
  assert.throws(() => topologicalOrder([v('a', ['b']), v('b', ['a'])]), /cycle/);
});
