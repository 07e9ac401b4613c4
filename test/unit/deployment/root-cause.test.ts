import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rootCause } from '../../../src/controllers/deployment/observe.ts';
import { logTail } from '../../../src/devcluster/agent/agent.ts';

test('the root cause of a log tail ending in a stack trace is its innermost Caused by', () => {
  const tail = [
    'ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint - Could not start cluster entrypoint.',
    'org.apache.flink.util.FlinkException: Could not create the ApplicationClusterEntryPoint.',
    '\tat org.apache.flink.runtime.entrypoint.ClusterEntrypoint.main(ClusterEntrypoint.java:1)',
    'Caused by: org.apache.flink.client.program.ProgramInvocationException: The program plan could not be fetched',
    '\tat x.y(Z.java:2)',
    'Caused by: java.io.FileNotFoundException: JAR file does not exist: /opt/flink/usrlib/missing.jar',
    '\t... 3 more',
    '',
  ].join('\n');
  assert.equal(
    rootCause(tail),
    'java.io.FileNotFoundException: JAR file does not exist: /opt/flink/usrlib/missing.jar',
  );
  assert.equal(rootCause('first\nlast words\n\tat a.b(C.java:1)\n'), 'last words');
  assert.equal(rootCause(undefined), undefined);
  assert.equal(rootCause(''), undefined);
});

test("the kubelet's fallback termination message is the log's last 80 lines, at most 2048 bytes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-'));
  const file = path.join(dir, 'c.log');
  fs.writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const tail = logTail(file)!;
  assert.equal(tail.split('\n').length, 80);
  assert.ok(tail.startsWith('line 20') && tail.endsWith('line 99'));
  fs.writeFileSync(file, 'x'.repeat(5000));
  assert.equal(Buffer.byteLength(logTail(file)!), 2048);
  assert.equal(logTail(path.join(dir, 'none.log')), undefined);
  fs.rmSync(dir, { recursive: true });
});
