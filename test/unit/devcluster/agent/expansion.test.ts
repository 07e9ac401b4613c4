import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandCommandAndArgs, expandReferences } from '../../../../src/devcluster/agent/expansion.ts';

const vars = { POD_IP: '127.10.0.7', EMPTY: '', 'odd.name-1': 'x', DOLLAR: '$(POD_IP)' };

test('defined references are replaced by their values, anywhere in the string and repeatedly', () => {
  assert.equal(expandReferences('$(POD_IP)', vars), '127.10.0.7');
  assert.equal(
    expandReferences('jobmanager.rpc.address=$(POD_IP)', vars),
    'jobmanager.rpc.address=127.10.0.7',
  );
  assert.equal(expandReferences('$(POD_IP):$(POD_IP)', vars), '127.10.0.7:127.10.0.7');
  assert.equal(expandReferences('a$(EMPTY)b', vars), 'ab');
  assert.equal(expandReferences('$(odd.name-1)', vars), 'x');
});

test('a value is inserted as is: references inside it are not expanded again', () => {
  assert.equal(expandReferences('$(DOLLAR)', vars), '$(POD_IP)');
});

test('unknown references stay as written, including names that are not variable names', () => {
  assert.equal(expandReferences('$(MISSING)', vars), '$(MISSING)');
  assert.equal(expandReferences('echo "$(cat /etc/x)"', vars), 'echo "$(cat /etc/x)"');
  assert.equal(expandReferences('$()', vars), '$()');
});

test('$$ escapes a dollar, so $$(VAR) is a literal $(VAR)', () => {
  assert.equal(expandReferences('$$(POD_IP)', vars), '$(POD_IP)');
  assert.equal(expandReferences('$$$(POD_IP)', vars), '$127.10.0.7');
  assert.equal(expandReferences('$$$$', vars), '$$');
  assert.equal(expandReferences('cost: $$5', vars), 'cost: $5');
});

test('a $ that starts no reference is kept, also when unterminated or last', () => {
  assert.equal(expandReferences('$HOME and ${HOME}', vars), '$HOME and ${HOME}');
  assert.equal(expandReferences('$(POD_IP', vars), '$(POD_IP');
  // The name runs to the first ")": here "$(POD_IP", which is unknown, so all of it stays.
  assert.equal(expandReferences('$($(POD_IP)', vars), '$($(POD_IP)');
  assert.equal(expandReferences('trailing $', vars), 'trailing $');
  assert.equal(expandReferences('', vars), '');
});

test('command and args are both expanded; a container without them keeps them unset', () => {
  const container = {
    name: 'jm',
    image: 'flink:2.2',
    command: ['/docker-entrypoint.sh', '$(POD_IP)'],
    args: ['jobmanager', '-D', 'jobmanager.rpc.address=$(POD_IP)', '$$(POD_IP)', '$(NOPE)'],
  };
  const expanded = expandCommandAndArgs(container, vars);
  assert.deepEqual(expanded.command, ['/docker-entrypoint.sh', '127.10.0.7']);
  assert.deepEqual(expanded.args, [
    'jobmanager',
    '-D',
    'jobmanager.rpc.address=127.10.0.7',
    '$(POD_IP)',
    '$(NOPE)',
  ]);
  assert.deepEqual(container.args[2], 'jobmanager.rpc.address=$(POD_IP)', 'the pod spec is not changed');
  const bare = expandCommandAndArgs({ name: 'c' }, vars);
  assert.equal('command' in bare, false);
  assert.equal('args' in bare, false);
});
