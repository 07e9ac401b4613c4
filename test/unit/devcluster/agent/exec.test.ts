import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import {
  exitStatus,
  mapPidOne,
  parseExecRequest,
  terminalCommand,
} from '../../../../src/devcluster/agent/exec.ts';

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
      ['sh', '-c', 'kill 4242'],
    ],
    [
      ['/bin/sh', '-c', ' kill -9 1; '],
      ['/bin/sh', '-c', 'kill -9 4242'],
    ],
    [
      ['bash', '-c', 'exec kill -s TERM 1'],
      ['bash', '-c', 'kill -s TERM 4242'],
    ],
    [
      ['sh', '-c', 'kill 1 && echo done'],
      ['sh', '-c', 'kill 1 && echo done'],
    ],
    [
      ['sh', '-c', 'kill $(cat pid) 1'],
      ['sh', '-c', 'kill $(cat pid) 1'],
    ],
    [
      ['sh', '-c', 'echo 1'],
      ['sh', '-c', 'echo 1'],
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
  assert.ok('refused' in mapPidOne(['sh', '-c', 'kill -- -1'], 4242));
});

test('without script(1) a terminal cannot be given', () => {
  assert.equal(terminalCommand(['sh'], undefined, ''), undefined);
});

test(
  'on a terminal, the command keeps its exact arguments and gets the client’s size',
  { skip: fs.existsSync('/usr/bin/script') ? false : 'util-linux script(1) is not installed' },
  () => {
    const argv = ['sh', '-c', 'printf "%s|" "$@"; stty size', 'sh', "it's", 'a  b', '$HOME', '"q"'];
    const plan = terminalCommand(argv, { Width: 120, Height: 40 }, '/usr/bin/script')!;
    const res = spawnSync(plan.command, plan.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.replace(/\r/g, ''), `it's|a  b|$HOME|"q"|40 120\n`);
  },
);
