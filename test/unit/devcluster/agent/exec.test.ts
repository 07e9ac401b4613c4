import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitStatus, mapPidOne, parseExecRequest } from '../../../../src/devcluster/agent/exec.ts';

test('the API server’s exec location is parsed into command, streams and container', () => {
  const url = new URL(
    'https://127.0.0.1:1/exec/ns1/pod-a/main?command=sh&command=-c&command=echo+%24X&input=1&output=1&tty=1',
  );
  assert.deepEqual(parseExecRequest(url), {
    namespace: 'ns1',
    pod: 'pod-a',
    container: 'main',
    command: ['sh', '-c', 'echo $X'],
    stdin: true,
    stdout: true,
    stderr: false,
    tty: true,
  });
  assert.equal(parseExecRequest(new URL('https://127.0.0.1:1/exec/ns1/pod-a')), undefined);
  assert.equal(parseExecRequest(new URL('https://127.0.0.1:1/containerLogs/a/b/c')), undefined);
});

test('the exit status is a metav1.Status kubectl turns into its own exit code', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const failed = exitStatus(42) as { status: string; reason: string; details: { causes: unknown[] } };
  assert.equal(failed.status, 'Failure');
  assert.equal(failed.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.details.causes, [{ reason: 'ExitCode', message: '42' }]);
});

test('kill’s PID 1 operands mean the container’s main process, whatever the signal option', () => {
  const cases: [string[], string[]][] = [
    [
      ['kill', '1'],
      ['kill', '4242'],
    ],
    [
      ['kill', '-9', '1'],
      ['kill', '-9', '4242'],
    ],
    [
      ['kill', '-KILL', '1'],
      ['kill', '-KILL', '4242'],
    ],
    [
      ['kill', '-SIGTERM', '1'],
      ['kill', '-SIGTERM', '4242'],
    ],
    [
      ['kill', '-s', 'TERM', '1'],
      ['kill', '-s', 'TERM', '4242'],
    ],
    [
      ['kill', '-s', '1', '1'],
      ['kill', '-s', '1', '4242'],
    ],
    [
      ['kill', '-n', '15', '1'],
      ['kill', '-n', '15', '4242'],
    ],
    [
      ['kill', '--signal', 'HUP', '--', '1'],
      ['kill', '--signal', 'HUP', '--', '4242'],
    ],
    [
      ['kill', '-1', '1'],
      ['kill', '-1', '4242'],
    ],
    [
      ['/bin/kill', '1', '17'],
      ['/bin/kill', '4242', '17'],
    ],
    [
      ['kill', '11'],
      ['kill', '11'],
    ],
    [
      ['kill', '-l'],
      ['kill', '-l'],
    ],
    [
      ['sh', '-c', 'kill 1'],
      ['sh', '-c', 'kill 1'],
    ],
    [
      ['echo', '1'],
      ['echo', '1'],
    ],
  ];
  for (const [argv, expected] of cases)
    assert.deepEqual(mapPidOne(argv, 4242), { argv: expected }, argv.join(' '));
});

test('kill -1 as a target (every process of the user) is refused', () => {
  assert.ok('refused' in mapPidOne(['kill', '--', '-1'], 4242));
  assert.ok('refused' in mapPidOne(['kill', '-9', '-1'], 4242));
  assert.ok('refused' in mapPidOne(['kill', '-s', 'KILL', '-1'], 4242));
});
