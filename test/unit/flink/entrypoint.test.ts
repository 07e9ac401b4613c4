import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dynamicPropertyArgs,
  entryPointArgs,
  imageEntrypointConfig,
  planContainerLaunch,
  servicePlan,
  shellWords,
  UnsupportedContainerCommand,
} from '../../../src/flink/process/entrypoint.ts';

describe('planContainerLaunch', () => {
  test('standalone session JobManager from the image entrypoint', () => {
    const plan = planContainerLaunch({ args: ['jobmanager'], hostname: 'jm-0' });
    assert.equal(plan.service, 'standalonesession');
    assert.deepEqual(plan.args, []);
    assert.equal(plan.imageConfig['jobmanager.rpc.address'], 'jm-0');
    assert.equal(plan.computesResources, true);
  });

  test('jobmanager with host and web UI port becomes dynamic properties', () => {
    const plan = planContainerLaunch({ args: ['jobmanager', 'myhost', '8082', '-D', 'a=b'], hostname: 'h' });
    assert.deepEqual(plan.args, ['-D', 'a=b', '-D', 'jobmanager.rpc.address=myhost', '-D', 'rest.port=8082']);
  });

  test('standalone application job with the operator arguments', () => {
    const plan = planContainerLaunch({
      command: ['/docker-entrypoint.sh'],
      args: ['standalone-job', '--job-classname', 'a.B', '--fromSavepoint', '/sp/1', '-D', 'k=v', 'x'],
      env: { JOB_MANAGER_RPC_ADDRESS: '10.0.0.1' },
      hostname: 'h',
    });
    assert.equal(plan.service, 'standalonejob');
    assert.deepEqual(plan.args, ['--job-classname', 'a.B', '--fromSavepoint', '/sp/1', '-D', 'k=v', 'x']);
    assert.equal(plan.imageConfig['jobmanager.rpc.address'], '10.0.0.1');
    assert.deepEqual(entryPointArgs(plan, '/conf', ['-D', 'mem=1b']), [
      '-D',
      'mem=1b',
      '--configDir',
      '/conf',
      '--job-classname',
      'a.B',
      '--fromSavepoint',
      '/sp/1',
      '-D',
      'k=v',
      'x',
    ]);
  });

  test('standalone TaskManager puts --configDir before the memory properties', () => {
    const plan = planContainerLaunch({ args: ['taskmanager'], hostname: 'h' });
    assert.equal(plan.service, 'taskexecutor');
    assert.deepEqual(entryPointArgs(plan, '/c', ['-D', 'm=1']), ['--configDir', '/c', '-D', 'm=1']);
  });

  test('native JobManager through bash -c in pass-through mode', () => {
    const plan = planContainerLaunch({
      args: ['bash', '-c', 'kubernetes-jobmanager.sh kubernetes-application'],
      hostname: 'h',
    });
    assert.equal(plan.service, 'kubernetes-application');
    assert.deepEqual(plan.args, []);
    // No --configDir: the native entry points read FLINK_CONF_DIR.
    assert.deepEqual(entryPointArgs(plan, '/c', ['-D', 'm=1']), ['-D', 'm=1']);
  });

  test('native TaskManager takes its memory from FLINK_TM_JVM_MEM_OPTS and its arguments', () => {
    const plan = planContainerLaunch({
      args: [
        'bash',
        '-c',
        'kubernetes-taskmanager.sh -Dtaskmanager.resource-id=tm-1-1 -D "x=a b" -Dpod=$POD',
      ],
      env: { FLINK_TM_JVM_MEM_OPTS: '-Xmx100 -Xms100', POD: 'p1' },
      hostname: 'h',
    });
    assert.equal(plan.service, 'kubernetes-taskmanager');
    assert.equal(plan.computesResources, false);
    assert.deepEqual(plan.envJvmArgs, ['-Xmx100', '-Xms100']);
    assert.deepEqual(entryPointArgs(plan, '/c', []), [
      '--configDir',
      '/c',
      '-Dtaskmanager.resource-id=tm-1-1',
      '-D',
      'x=a b',
      '-Dpod=p1',
    ]);
  });

  test('native session JobManager started without the image entrypoint gets no image configuration', () => {
    const plan = planContainerLaunch({
      command: ['/opt/flink/bin/kubernetes-jobmanager.sh'],
      args: ['kubernetes-session'],
      hostname: 'h',
    });
    assert.equal(plan.service, 'kubernetes-session');
    assert.deepEqual(plan.imageConfig, {});
  });

  test('scripts called directly need start-foreground', () => {
    assert.equal(
      planContainerLaunch({
        command: ['/opt/flink/bin/taskmanager.sh'],
        args: ['start-foreground'],
        hostname: 'h',
      }).service,
      'taskexecutor',
    );
    assert.throws(
      () =>
        planContainerLaunch({ command: ['/opt/flink/bin/taskmanager.sh'], args: ['start'], hostname: 'h' }),
      UnsupportedContainerCommand,
    );
  });

  test('other commands are refused', () => {
    assert.throws(
      () => planContainerLaunch({ args: ['sleep', '10'], hostname: 'h' }),
      UnsupportedContainerCommand,
    );
    assert.throws(
      () => planContainerLaunch({ args: ['bash', '-c', 'kubernetes-jobmanager.sh yarn'], hostname: 'h' }),
      UnsupportedContainerCommand,
    );
  });
});

describe('imageEntrypointConfig', () => {
  test('fixed ports, slots and FLINK_PROPERTIES with blanks removed and variables expanded', () => {
    const config = imageEntrypointConfig(
      {
        TASK_MANAGER_NUMBER_OF_TASK_SLOTS: '4',
        FLINK_PROPERTIES:
          'state.savepoints.dir: file:///sp/$NS\n\n  parallelism.default : 3\nblob.server.port: 7000',
        NS: 'prod',
      },
      'host-a',
    );
    assert.deepEqual(config, {
      'jobmanager.rpc.address': 'host-a',
      'blob.server.port': '7000',
      'query.server.port': '6125',
      'taskmanager.numberOfTaskSlots': '4',
      'state.savepoints.dir': 'file:///sp/prod',
      'parallelism.default': '3',
    });
  });
});

describe('shellWords', () => {
  test('quotes, escapes and variables', () => {
    assert.deepEqual(shellWords(`a 'b c' "d $X \\"e\\"" f\\ g \${X}h $`, { X: 'x' }), [
      'a',
      'b c',
      'd x "e"',
      'f g',
      'xh',
      '$',
    ]);
  });

  test('unterminated quotes are errors', () => {
    assert.throws(() => shellWords(`a 'b`, {}));
    assert.throws(() => shellWords(`a "b`, {}));
  });
});

test('dynamicPropertyArgs keeps only -D properties, in two-token form', () => {
  assert.deepEqual(dynamicPropertyArgs(['--job-classname', 'C', '-D', 'a=1', '-Db=2', 'x', '-D']), [
    '-D',
    'a=1',
    '-D',
    'b=2',
  ]);
});

test('servicePlan runs a service directly', () => {
  assert.deepEqual(servicePlan('standalonesession', ['-D', 'a=1']), {
    service: 'standalonesession',
    args: ['-D', 'a=1'],
    imageConfig: {},
    envJvmArgs: [],
    computesResources: true,
  });
});
