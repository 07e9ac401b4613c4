import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseFlinkConfig, readFlinkConfig, writeFlinkConfig } from '../../../src/flink/process/config.ts';
import { javaOptionsFromConfig, parseResourceParams } from '../../../src/flink/process/jvm.ts';
import { bindConfig, hostsFileContent } from '../../../src/flink/process/launcher.ts';
import { pinnedFlinkRelease } from '../../../src/flink/dist/versions.ts';

test('config.yaml: nested and dotted keys flatten to the same map, lists join with ;', () => {
  const config = parseFlinkConfig(
    'jobmanager:\n  rpc:\n    address: jm\n    port: 6123\nrest.port: 8081\npipeline.jars: [a.jar, b.jar]\nempty:\n',
  );
  assert.deepEqual(config, {
    'jobmanager.rpc.address': 'jm',
    'jobmanager.rpc.port': '6123',
    'rest.port': '8081',
    'pipeline.jars': 'a.jar;b.jar',
  });
});

test('legacy flink-conf.yaml is read line by line and wins over config.yaml', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-conf-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'a: 1\n');
    fs.writeFileSync(
      path.join(dir, 'flink-conf.yaml'),
      '# comment\nenv.java.opts: -Da=b -Dc=d\nx.y: z # trailing\n',
    );
    assert.deepEqual(await readFlinkConfig(dir), { 'env.java.opts': '-Da=b -Dc=d', 'x.y': 'z' });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('written config.yaml reads back the same, strings that look like numbers included', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-conf-'));
  try {
    const config = {
      'rest.port': '8081',
      'a.flag': 'true',
      'env.java.opts.all': '--add-opens=x=ALL-UNNAMED -Dk="v"',
    };
    await writeFlinkConfig(dir, config);
    assert.deepEqual(await readFlinkConfig(dir), config);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('BashJavaUtils output: the two result lines become JVM and -D arguments', () => {
  const output = [
    'INFO  [] - Final Master Memory configuration:',
    'BASH_JAVA_UTILS_EXEC_RESULT:-Xmx469762048 -Xms469762048 -XX:MaxMetaspaceSize=268435456',
    'BASH_JAVA_UTILS_EXEC_RESULT:-D jobmanager.memory.heap.size=469762048b -D jobmanager.memory.off-heap.size=134217728b ',
  ].join('\n');
  assert.deepEqual(parseResourceParams(output), {
    jvmArgs: ['-Xmx469762048', '-Xms469762048', '-XX:MaxMetaspaceSize=268435456'],
    dynamicArgs: [
      '-D',
      'jobmanager.memory.heap.size=469762048b',
      '-D',
      'jobmanager.memory.off-heap.size=134217728b',
    ],
  });
  assert.throws(() => parseResourceParams('BASH_JAVA_UTILS_EXEC_RESULT:-Xmx1'), /1 result lines/);
});

test('Java options follow config.sh: all, deprecated fallback, role options, G1 only without options', () => {
  const env = { LOG: '/logs' };
  assert.deepEqual(
    javaOptionsFromConfig(
      {
        'env.java.default-opts.all': '-Da=1',
        'env.java.opts.all': '"-Db=${LOG}/x"',
        'env.java.opts': '-Dignored',
        'env.java.opts.jobmanager': '-Dj=1',
      },
      'jobmanager',
      env,
    ),
    ['-XX:+IgnoreUnrecognizedVMOptions', '-Da=1', '-Db=/logs/x', '-Dj=1'],
  );
  assert.deepEqual(javaOptionsFromConfig({ 'env.java.opts': '-Dold' }, 'taskmanager', env), [
    '-XX:+IgnoreUnrecognizedVMOptions',
    '-Dold',
  ]);
  assert.deepEqual(javaOptionsFromConfig({}, 'taskmanager', env), [
    '-XX:+UseG1GC',
    '-XX:+IgnoreUnrecognizedVMOptions',
  ]);
});

test('bind keys per role and the per-process hosts file', () => {
  assert.deepEqual(bindConfig('jobmanager', '127.0.0.9'), {
    'jobmanager.bind-host': '127.0.0.9',
    'rest.bind-address': '127.0.0.9',
  });
  assert.deepEqual(bindConfig('taskmanager', '127.0.0.9'), {
    'taskmanager.bind-host': '127.0.0.9',
    'taskmanager.host': '127.0.0.9',
  });
  assert.equal(
    hostsFileContent('127.0.0.9', 'pod-a', { 'svc.ns': '127.0.1.1' }),
    '127.0.0.9 localhost pod-a\n127.0.1.1 svc.ns\n',
  );
});

test('pinned releases are found by line, exact version, flinkVersion or image tag', () => {
  assert.equal(pinnedFlinkRelease('2.2').version, '2.2.1');
  assert.equal(pinnedFlinkRelease('v1_20').version, '1.20.5');
  assert.equal(pinnedFlinkRelease('flink:1.20-java17').version, '1.20.5');
  assert.equal(pinnedFlinkRelease('2.2.0').version, '2.2.1');
  assert.equal(pinnedFlinkRelease('flink:1.18').version, '1.18.1');
  assert.equal(pinnedFlinkRelease('v1_18').version, '1.18.1');
  assert.throws(
    () => pinnedFlinkRelease('1.17'),
    /unsupported Flink version "1.17" \(supported lines: 2\.2, 1\.20, 1\.18\)/,
  );
});

test('Flink up to 1.18 gets flink-conf.yaml (its only file), read back the same; 1.19 on config.yaml', async () => {
  const config = {
    'rest.port': '8081',
    'pipeline.jars': 'a.jar;b.jar',
    'env.java.opts.all': '--add-opens=x=ALL-UNNAMED',
  };
  for (const [version, file] of [
    ['1.18', 'flink-conf.yaml'],
    ['v1_15', 'flink-conf.yaml'],
    ['1.19', 'config.yaml'],
    ['1.20', 'config.yaml'],
    ['2.2', 'config.yaml'],
  ] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-conf-'));
    try {
      await writeFlinkConfig(dir, config, version);
      assert.deepEqual(fs.readdirSync(dir), [file], version);
      assert.deepEqual(await readFlinkConfig(dir), config, version);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-conf-'));
  try {
    await writeFlinkConfig(dir, { 'b.key': 'x', 'a.key': 'y: z' }, '1.18');
    assert.equal(fs.readFileSync(path.join(dir, 'flink-conf.yaml'), 'utf8'), 'a.key: y: z\nb.key: x\n');
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
