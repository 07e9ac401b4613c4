import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  validateFlinkDeployment,
  validateSessionJob,
  validateStateSnapshot,
  type DeploymentValidationOptions,
  type ValidationError,
} from '../../../src/api/index.ts';
import { ALL_OPTIONS } from '../../../src/options.ts';
import { deployment, reconciledStatus, sessionCluster, sessionJob, snapshot, type Json } from './fixtures.ts';

const CP = { 'execution.checkpointing.dir': 's3://b/cp' };
const SP = { 'execution.checkpointing.savepoint-dir': 's3://b/sp' };
const HA = { 'high-availability.type': 'kubernetes', 'high-availability.storageDir': 's3://b/ha' };
const conf = (...parts: Json[]) => ({ flinkConfiguration: Object.assign({}, ...parts) });
const job = (fields: Json) => ({
  job: { jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar', parallelism: 2, ...fields },
});

function withName(name: string): Json {
  const d = deployment();
  (d.metadata as Json).name = name;
  return d;
}

const nameMessage = (name: string) =>
  `The FlinkDeployment name: ${name} is invalid, must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the length must be no more than 45 characters.`;

type Case = [title: string, resource: Json, expected: ValidationError, options?: DeploymentValidationOptions];

const deploymentCases: Case[] = [
  ['name with upper case', withName('Basic'), { path: 'metadata.name', message: nameMessage('Basic') }],
  [
    'name of 46 characters',
    withName('a'.repeat(46)),
    { path: 'metadata.name', message: nameMessage('a'.repeat(46)) },
  ],
  ['name starting with a digit', withName('1abc'), { path: 'metadata.name', message: nameMessage('1abc') }],
  [
    'missing flinkVersion',
    deployment({ flinkVersion: undefined }),
    { path: 'spec.flinkVersion', message: 'Flink Version must be defined.' },
  ],
  [
    'flinkVersion older than the supported range',
    deployment({ flinkVersion: 'v1_14' }),
    {
      path: 'spec.flinkVersion',
      message: 'Flink version v1_14 is not supported by this operator version (supported: v1_15 to v2_4)',
    },
  ],
  [
    'the oldest flinkVersion of the CRD',
    deployment({ flinkVersion: 'v1_13' }),
    {
      path: 'spec.flinkVersion',
      message: 'Flink version v1_13 is not supported by this operator version (supported: v1_15 to v2_4)',
    },
  ],
  [
    'forbidden kubernetes.cluster-id',
    deployment(conf({ 'kubernetes.cluster-id': 'x' })),
    {
      path: 'spec.flinkConfiguration.kubernetes.cluster-id',
      message: 'Forbidden Flink config key: kubernetes.cluster-id',
    },
  ],
  [
    'forbidden kubernetes.namespace written as nested maps',
    deployment({ flinkConfiguration: { kubernetes: { namespace: 'other' } } }),
    {
      path: 'spec.flinkConfiguration.kubernetes.namespace',
      message: 'Forbidden Flink config key: kubernetes.namespace',
    },
  ],
  [
    'forbidden high-availability.cluster-id',
    deployment(conf(HA, { 'high-availability.cluster-id': 'x' })),
    {
      path: 'spec.flinkConfiguration.high-availability.cluster-id',
      message: 'Forbidden Flink config key: high-availability.cluster-id',
    },
  ],
  [
    'rollback without HA',
    deployment(conf({ 'kubernetes.operator.deployment.rollback.enabled': 'true' })),
    { path: 'spec.flinkConfiguration', message: 'HA must be enabled for rollback support.' },
  ],
  [
    'health check without deployment recovery',
    deployment(
      conf({
        'kubernetes.operator.cluster.health-check.enabled': true,
        'kubernetes.operator.jm-deployment-recovery.enabled': false,
      }),
    ),
    {
      path: 'spec.flinkConfiguration',
      message:
        'Deployment recovery (kubernetes.operator.jm-deployment-recovery.enabled) must be enabled for job health check (kubernetes.operator.cluster.health-check.enabled) support.',
    },
  ],
  [
    'ingress without template',
    deployment({ ingress: { className: 'nginx' } }),
    { path: 'spec.ingress.template', message: 'Ingress template must be defined' },
  ],
  [
    'ingress template that is no URL',
    deployment({ ingress: { template: 'http://exa mple.com/{{name}}' } }),
    {
      path: 'spec.ingress.template',
      message: 'Unable to process the Ingress template(http://exa mple.com/{{name}}). Error: Invalid URL',
    },
  ],
  [
    'unknown log configuration file',
    deployment({ logConfiguration: { 'log4j.properties': 'x' } }),
    {
      path: 'spec.logConfiguration.log4j.properties',
      message:
        'Invalid log config key: log4j.properties. Allowed keys are [log4j-console.properties, logback-console.xml]',
    },
  ],
  [
    'last-state without checkpoint directory',
    deployment({ ...job({ upgradeMode: 'last-state' }), ...conf(SP) }),
    {
      path: 'spec.job.upgradeMode',
      message:
        'Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and savepoint upgrade modes',
    },
  ],
  [
    'savepoint mode without savepoint directory',
    deployment({ ...job({ upgradeMode: 'savepoint' }), ...conf(CP) }),
    {
      path: 'spec.job.upgradeMode',
      message:
        'Job could not be upgraded with savepoint while config key[execution.checkpointing.savepoint-dir] is not set',
    },
  ],
  [
    'manual savepoint without savepoint directory',
    deployment(job({ savepointTriggerNonce: 1 })),
    {
      path: 'spec.job.savepointTriggerNonce',
      message:
        'Savepoint could not be manually triggered for the running job while config key[execution.checkpointing.savepoint-dir] is not set',
    },
  ],
  [
    'periodic savepoints without savepoint directory',
    deployment(conf({ 'kubernetes.operator.periodic.savepoint.interval': '1h' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        'Periodic savepoints cannot be enabled when config key[execution.checkpointing.savepoint-dir] is not set',
    },
  ],
  [
    'max checkpoint age without savepoint directory',
    deployment(conf({ 'kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age': '5m' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        'In order to use max-checkpoint age functionality config key[execution.checkpointing.savepoint-dir] must be set to allow triggering savepoint upgrades.',
    },
  ],
  [
    'a periodic savepoint interval that is neither a duration nor a Quartz cron expression',
    deployment(conf(SP, { 'kubernetes.operator.periodic.savepoint.interval': 'every hour' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        "Invalid kubernetes.operator.periodic.savepoint.interval: 'every hour' is neither a duration (such as 1h) nor a Quartz cron expression (6 or 7 fields)",
    },
  ],
  [
    'a periodic checkpoint cron expression with an out-of-range field',
    deployment(conf({ 'kubernetes.operator.periodic.checkpoint.interval': '0 0 25 * * ?' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        "Invalid kubernetes.operator.periodic.checkpoint.interval: Invalid cron expression '0 0 25 * * ?': Invalid value for hour: 25",
    },
  ],
  [
    'parallelism 0',
    deployment(job({ parallelism: 0 })),
    { path: 'spec.job.parallelism', message: 'Job parallelism must be larger than 0' },
  ],
  [
    'task manager replicas 0 with a job',
    deployment({ taskManager: { resource: { memory: '1g' }, replicas: 0 } }),
    { path: 'spec.taskManager.replicas', message: 'TaskManager replicas must be larger than 0' },
  ],
  [
    'application without jarURI in native mode',
    deployment({ job: { parallelism: 1 } }),
    {
      path: 'spec.job.jarURI',
      message: 'Job jarURI must be defined for application deployments in native mode',
    },
  ],
  [
    'no JobManager memory anywhere',
    deployment({ jobManager: { resource: { cpu: 1 } } }),
    {
      path: 'spec.jobManager.resource.memory',
      message:
        'JobManager resource memory must be defined using `spec.jobManager.resource.memory` or `spec.jobManager.resources.requests.memory`',
    },
  ],
  [
    'no TaskManager memory anywhere',
    deployment({ taskManager: undefined }),
    {
      path: 'spec.taskManager.resource.memory',
      message:
        'TaskManager resource memory must be defined using `spec.taskManager.resource.memory` or `spec.taskManager.resources.requests.memory`',
    },
  ],
  [
    'unparsable JobManager memory',
    deployment({ jobManager: { resource: { memory: 'lots' } } }),
    {
      path: 'spec.jobManager.resource.memory',
      message: "JobManager resource memory parse error: 'lots' is not a memory size",
    },
  ],
  [
    'unparsable ephemeral storage',
    deployment({ taskManager: { resource: { memory: '1g', ephemeralStorage: '10 apples' } } }),
    {
      path: 'spec.taskManager.resource.ephemeralStorage',
      message: "TaskManager resource ephemeral storage parse error: '10 apples' is not a valid quantity",
    },
  ],
  [
    'zero cpu request',
    deployment({ jobManager: { resources: { requests: { memory: '1Gi', cpu: '0' } } } }),
    {
      path: 'spec.jobManager.resources.requests.cpu',
      message: 'JobManager resource requirements requests cpu must be positive: 0',
    },
  ],
  [
    'negative ephemeral storage limit',
    deployment({
      taskManager: { resources: { requests: { memory: '1Gi' }, limits: { 'ephemeral-storage': '-1Gi' } } },
    }),
    {
      path: 'spec.taskManager.resources.limits.ephemeral-storage',
      message: 'TaskManager resource requirements limits ephemeral-storage must not be negative: -1Gi',
    },
  ],
  [
    'memory request above limit',
    deployment({ taskManager: { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } } }),
    {
      path: 'spec.taskManager.resources.requests.memory',
      message: 'TaskManager resource requirements memory request (2Gi) must not exceed its limit (1Gi)',
    },
  ],
  [
    'unparsable cpu quantity',
    deployment({ jobManager: { resources: { requests: { memory: '1Gi', cpu: 'fast' } } } }),
    {
      path: 'spec.jobManager.resources.requests.cpu',
      message: "JobManager resource requirements requests cpu parse error: 'fast' is not a valid quantity",
    },
  ],
  [
    'zero JobManager replicas',
    deployment({ jobManager: { resource: { memory: '1g' }, replicas: 0 } }),
    {
      path: 'spec.jobManager.replicas',
      message: 'JobManager replicas should not be configured less than one.',
    },
  ],
  [
    'standby JobManagers without HA',
    deployment({ jobManager: { resource: { memory: '1g' }, replicas: 2 } }),
    {
      path: 'spec.jobManager.replicas',
      message: 'High availability should be enabled when starting standby JobManagers.',
    },
  ],
  [
    'zero TaskManager replicas in a session cluster',
    (() => {
      const d = sessionCluster();
      (d.spec as Json).taskManager = { resource: { memory: '1g' }, replicas: 0 };
      return d;
    })(),
    {
      path: 'spec.taskManager.replicas',
      message: 'TaskManager replicas should not be configured less than one.',
    },
  ],
  [
    'missing service account',
    deployment({ serviceAccount: undefined }),
    {
      path: 'spec.serviceAccount',
      message:
        'spec.serviceAccount must be defined. If you use helm, its value should be the same with the name of jobServiceAccount.',
    },
  ],
  [
    'session cluster turned into an application',
    deployment({}, { status: reconciledStatus({ flinkVersion: 'v2_2' }) }),
    { path: 'spec.job', message: 'Cannot switch from session to job cluster' },
  ],
  [
    'application turned into a session cluster',
    (() => {
      const d = sessionCluster('basic');
      d.status = reconciledStatus({ job: { jarURI: 'local:///x.jar' } });
      return d;
    })(),
    { path: 'spec.job', message: 'Cannot switch from job to session cluster' },
  ],
  [
    'native to standalone',
    deployment({ mode: 'standalone' }, { status: reconciledStatus({ job: {} }) }),
    { path: 'spec.mode', message: 'Cannot switch from native kubernetes to standalone kubernetes cluster' },
  ],
  [
    'standalone to native (previous spec passed explicitly)',
    deployment(),
    { path: 'spec.mode', message: 'Cannot switch from standalone kubernetes to native kubernetes cluster' },
    { previous: { mode: 'standalone', job: {} } },
  ],
  [
    'savepoint redeploy without initialSavepointPath',
    deployment(job({ savepointRedeployNonce: 2 })),
    {
      path: 'spec.job.initialSavepointPath',
      message: 'InitialSavepointPath must not be empty for savepoint redeployment',
    },
    { previous: { job: { savepointRedeployNonce: 1 } } },
  ],
  [
    'flinkVersion change after a last-state suspend',
    deployment({ ...job({ upgradeMode: 'last-state' }), ...conf(CP) }),
    {
      path: 'spec.flinkVersion',
      message:
        'Changing flinkVersion after last-state suspend is not allowed. Restore your cluster with the current flinkVersion and perform the version upgrade afterwards.',
    },
    { previous: { flinkVersion: 'v2_1', job: { state: 'suspended', upgradeMode: 'last-state' } } },
  ],
  [
    'schedule without a job',
    (() => {
      const d = sessionCluster('basic');
      (d.spec as Json).schedule = { cron: '@daily' };
      return d;
    })(),
    {
      path: 'spec.schedule',
      message: 'A schedule needs a job: spec.job must be defined when spec.schedule is set',
    },
  ],
  [
    'schedule without cron',
    deployment({ schedule: { timeZone: 'UTC' } }),
    { path: 'spec.schedule.cron', message: 'spec.schedule.cron must be defined' },
  ],
  [
    'invalid cron',
    deployment({ schedule: { cron: 'every day' } }),
    {
      path: 'spec.schedule.cron',
      message:
        "Invalid cron expression 'every day': invalid configuration format ('every day'), exactly five, six, or seven space separated parts are required.",
    },
  ],
  [
    'cron that never fires',
    deployment({ schedule: { cron: '0 0 30 2 *' } }),
    { path: 'spec.schedule.cron', message: "Cron expression '0 0 30 2 *' never fires" },
  ],
  [
    'unknown time zone',
    deployment({ schedule: { cron: '@hourly', timeZone: 'Mars/Olympus_Mons' } }),
    { path: 'spec.schedule.timeZone', message: "Unknown time zone 'Mars/Olympus_Mons'" },
  ],
  [
    'negative startingDeadlineSeconds (schema)',
    deployment({ schedule: { cron: '@hourly', startingDeadlineSeconds: -1 } }),
    {
      path: 'spec.schedule.startingDeadlineSeconds',
      message: 'spec.schedule.startingDeadlineSeconds must be >= 0',
    },
  ],
  [
    'unknown concurrency policy (schema)',
    deployment({ schedule: { cron: '@hourly', concurrencyPolicy: 'Sometimes' } }),
    {
      path: 'spec.schedule.concurrencyPolicy',
      message: 'spec.schedule.concurrencyPolicy must be one of "Allow", "Forbid", "Replace"',
    },
  ],
  [
    'autoscaler utilization target above 1',
    deployment(conf({ 'job.autoscaler.enabled': 'true', 'job.autoscaler.utilization.target': '1.5' })),
    {
      path: 'spec.flinkConfiguration',
      message: 'job.autoscaler.utilization.target is 1.5; it must lie within [0, 1]',
    },
  ],
  [
    'autoscaler utilization max below the target (older key spelling)',
    deployment(
      conf({
        'kubernetes.operator.job.autoscaler.enabled': 'true',
        'kubernetes.operator.job.autoscaler.utilization.max': '0.5',
      }),
    ),
    {
      path: 'spec.flinkConfiguration',
      message: 'job.autoscaler.utilization.max is 0.5; it must lie within [0.7, 1]',
    },
  ],
  [
    'autoscaler busy-time aggregator that does not exist',
    deployment(
      conf({ 'job.autoscaler.enabled': 'true', 'job.autoscaler.metrics.busy-time.aggregator': 'P99' }),
    ),
    {
      path: 'spec.flinkConfiguration',
      message:
        'Invalid autoscaler configuration: invalid value for job.autoscaler.metrics.busy-time.aggregator: "P99" is not one of AVG, MAX, MIN',
    },
  ],
  [
    'autoscaler enabled flag that is not a boolean',
    deployment(conf({ 'job.autoscaler.enabled': 'yes' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        'Invalid autoscaler configuration: invalid value for job.autoscaler.enabled: "yes" is not a boolean (true or false)',
    },
  ],
  [
    'autoscaler metrics window shorter than the reconcile interval',
    deployment(conf({ 'job.autoscaler.enabled': 'true', 'job.autoscaler.metrics.window': '30 s' })),
    {
      path: 'spec.flinkConfiguration',
      message:
        'job.autoscaler.metrics.window (30 s) is shorter than kubernetes.operator.reconcile.interval (60 s): the window would never hold the two samples an evaluation needs',
    },
  ],
  [
    'autoscaler memory tuning overhead above 1 while tuning is on',
    deployment(
      conf({
        'job.autoscaler.enabled': 'true',
        'job.autoscaler.memory.tuning.enabled': 'true',
        'job.autoscaler.memory.tuning.overhead': '2',
      }),
    ),
    {
      path: 'spec.flinkConfiguration',
      message: 'job.autoscaler.memory.tuning.overhead is 2; it must lie within [0, 1]',
    },
  ],
  [
    'an operator option the controllers could not read',
    deployment(conf({ 'kubernetes.operator.reconcile.interval': 'soon' })),
    {
      path: 'spec.flinkConfiguration.kubernetes.operator.reconcile.interval',
      message:
        'Invalid value for kubernetes.operator.reconcile.interval: "soon" is not a duration (examples: "5 s", "1 min", "PT1M")',
    },
    { operatorConfig: { operatorOptions: ALL_OPTIONS } },
  ],
  [
    'an operator option under its older name',
    deployment(conf({ 'kubernetes.operator.reconciler.reschedule.interval': 'later' })),
    {
      path: 'spec.flinkConfiguration.kubernetes.operator.reconciler.reschedule.interval',
      message:
        'Invalid value for kubernetes.operator.reconciler.reschedule.interval: "later" is not a duration (examples: "5 s", "1 min", "PT1M")',
    },
    { operatorConfig: { operatorOptions: ALL_OPTIONS } },
  ],
  [
    'a negative memory size',
    deployment({ jobManager: { resource: { memory: '-1g', cpu: 1 } } }),
    { path: 'spec.jobManager.resource.memory', message: 'JobManager resource memory must be positive: -1g' },
  ],
  [
    'a negative cpu',
    deployment({ taskManager: { resource: { memory: '1g', cpu: -1 } } }),
    {
      path: 'spec.taskManager.resource.cpu',
      message: 'TaskManager resource cpu must be a positive number: -1',
    },
  ],
  [
    'an unknown REST service type',
    deployment(conf({ 'kubernetes.rest-service.exposed.type': 'Bogus' })),
    {
      path: 'spec.flinkConfiguration.kubernetes.rest-service.exposed.type',
      message:
        'Invalid kubernetes.rest-service.exposed.type: Bogus (one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP)',
    },
  ],
  [
    'an ingress host that is no DNS name',
    deployment({ ingress: { template: '{{{{' } }),
    {
      path: 'spec.ingress.template',
      message: 'Unable to process the Ingress template({{{{). Error: host {{{{ is not a valid DNS name',
    },
  ],
  [
    'a parallelism beyond what Flink can run',
    deployment(job({ parallelism: 1e12 })),
    {
      path: 'spec.job.parallelism',
      message: 'Job parallelism must not exceed 32768, the largest maximum parallelism Flink supports',
    },
  ],
  [
    "standalone TaskManager replicas beyond Flink's bound",
    deployment({
      mode: 'standalone',
      taskManager: { resource: { memory: '1g', cpu: 1 }, replicas: 100_000 },
    }),
    { path: 'spec.taskManager.replicas', message: 'TaskManager replicas must not exceed 32768' },
  ],
  [
    'a spec too large for its status to be stored',
    deployment({ podTemplate: { metadata: { annotations: { big: 'x'.repeat(500_000) } } } }),
    {
      path: 'spec',
      message:
        'The spec is 500385 bytes; at most 409600 can be deployed, because the status keeps two copies of it and Kubernetes stores objects of at most about 1.5 MiB',
    },
  ],
  [
    'wrong field type (schema)',
    deployment(job({ parallelism: 'two' })),
    { path: 'spec.job.parallelism', message: 'spec.job.parallelism must be integer' },
  ],
];

describe('validateFlinkDeployment', () => {
  it('accepts a valid application deployment', () => {
    assert.deepEqual(validateFlinkDeployment(deployment()), []);
  });

  it('accepts every supported Flink version, memory from config, HA, nested config, quartz and classic crons', () => {
    for (const flinkVersion of ['v1_19', 'v1_20', 'v2_0', 'v2_1', 'v2_2', 'v2_3', 'v2_4']) {
      assert.deepEqual(validateFlinkDeployment(deployment({ flinkVersion })), [], flinkVersion);
    }
    // Deprecated versions are accepted, as the compatible operator accepts them.
    for (const flinkVersion of ['v1_15', 'v1_16', 'v1_17', 'v1_18']) {
      assert.deepEqual(validateFlinkDeployment(deployment({ flinkVersion })), [], flinkVersion);
    }
    const fromConfig = deployment({
      jobManager: undefined,
      taskManager: undefined,
      flinkConfiguration: {
        jobmanager: { memory: { 'process.size': '1600m' } },
        'taskmanager.memory.process.size': '1728m',
      },
    });
    assert.deepEqual(validateFlinkDeployment(fromConfig), []);
    const ha = deployment({
      ...job({ upgradeMode: 'savepoint' }),
      flinkConfiguration: {
        'high-availability': 'kubernetes',
        state: { 'savepoints.dir': 's3://sp', 'checkpoints.dir': 's3://cp' },
      },
      jobManager: { resource: { memory: '2g' }, replicas: 2 },
    });
    assert.deepEqual(validateFlinkDeployment(ha), []);
    for (const cron of [
      '0 0/5 * * * ?',
      '0 15 10 ? * 6L 2030',
      '*/5 * * * *',
      '@daily',
      '@hourly',
      '0 0 12 ? * MON-FRI',
    ]) {
      assert.deepEqual(
        validateFlinkDeployment(deployment({ schedule: { cron, timeZone: 'Europe/Berlin' } })),
        [],
        cron,
      );
    }
  });

  for (const [title, resource, expected, options] of deploymentCases) {
    it(`rejects ${title}`, () => {
      assert.deepEqual(validateFlinkDeployment(resource, options), [expected]);
    });
  }

  it('merges the operator default configuration under the resource configuration', () => {
    const d = deployment(job({ upgradeMode: 'savepoint' }));
    assert.deepEqual(
      validateFlinkDeployment(d, { operatorConfig: { defaultFlinkConfiguration: { ...CP, ...SP } } }),
      [],
    );
  });

  it('judges autoscaler keys only while the autoscaler is on, with the operator configuration under the resource', () => {
    const outOfRange = {
      'job.autoscaler.utilization.target': '1.5',
      'job.autoscaler.memory.tuning.overhead': '2',
    };
    assert.deepEqual(validateFlinkDeployment(deployment(conf(outOfRange))), []);
    const windowOf30s = deployment(conf({ 'job.autoscaler.metrics.window': '30 s' }));
    const operatorConfig = {
      defaultFlinkConfiguration: {
        'job.autoscaler.enabled': 'true',
        'kubernetes.operator.reconcile.interval': '10 s',
      },
    };
    assert.deepEqual(validateFlinkDeployment(windowOf30s, { operatorConfig }), []);
    const off = deployment(
      conf({ 'job.autoscaler.enabled': 'false', 'job.autoscaler.metrics.window': '1 s' }),
    );
    assert.deepEqual(validateFlinkDeployment(off, { operatorConfig }), []);
  });

  it('reports input that is not an object', () => {
    assert.deepEqual(validateFlinkDeployment('nope'), [
      { path: '', message: 'FlinkDeployment must be an object' },
    ]);
  });
});

describe('validateSessionJob', () => {
  it("judges the job's autoscaler keys over its session cluster's configuration", () => {
    const cluster = sessionCluster();
    (cluster.spec as Json).flinkConfiguration = { 'job.autoscaler.enabled': 'true' };
    const job = sessionJob(conf({ 'job.autoscaler.scale-down.max-factor': '-1' }));
    assert.deepEqual(validateSessionJob(job, cluster), [
      {
        path: 'spec.flinkConfiguration',
        message: 'job.autoscaler.scale-down.max-factor is -1; it must lie within [0, Infinity]',
      },
    ]);
  });

  it('accepts a valid session job with and without its session cluster', () => {
    assert.deepEqual(validateSessionJob(sessionJob()), []);
    assert.deepEqual(validateSessionJob(sessionJob(), sessionCluster()), []);
  });

  const cases: Array<[string, Json, Json | undefined, ValidationError]> = [
    [
      'an empty deploymentName',
      sessionJob({ deploymentName: '' }),
      undefined,
      { path: 'spec.deploymentName', message: nameMessage('') },
    ],
    [
      'a missing job',
      sessionJob({ job: undefined }),
      undefined,
      { path: 'spec.job', message: 'The job spec should not be empty' },
    ],
    [
      'a changed deploymentName',
      sessionJob({}, { status: reconciledStatus({ deploymentName: 'other' }) }),
      undefined,
      { path: 'spec.deploymentName', message: "The deploymentName can't be changed" },
    ],
    [
      'a jarURI without scheme',
      sessionJob({ job: { jarURI: '/tmp/job.jar', parallelism: 1 } }),
      undefined,
      { path: 'spec.job.jarURI', message: 'jarURI must include a scheme' },
    ],
    [
      'a jarURI scheme outside the allowlist',
      sessionJob({ job: { jarURI: 'file:///tmp/job.jar', parallelism: 1 } }),
      undefined,
      {
        path: 'spec.job.jarURI',
        message:
          "jarURI scheme 'file' is not in the allowlist [https]. Configure 'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist.",
      },
    ],
    [
      'a jarURI on a loopback host',
      sessionJob({ job: { jarURI: 'https://127.0.0.1/job.jar', parallelism: 1 } }),
      undefined,
      {
        path: 'spec.job.jarURI',
        message:
          "jarURI host '127.0.0.1' resolves to a restricted address. Configure 'kubernetes.operator.user.artifacts.restricted-hosts.allowed' to allow it.",
      },
    ],
    [
      'an application cluster as target',
      sessionJob(),
      (() => {
        const d = deployment();
        (d.metadata as Json).name = 'session';
        return d;
      })(),
      { path: 'spec.deploymentName', message: 'Can not submit session job to application cluster' },
    ],
    [
      'a session cluster with another name',
      sessionJob(),
      sessionCluster('other'),
      {
        path: 'spec.deploymentName',
        message: "The session job's cluster id is not match with the session cluster",
      },
    ],
    [
      'parallelism 0',
      sessionJob({ job: { jarURI: 'https://repo1.maven.org/job.jar', parallelism: 0 } }),
      sessionCluster(),
      { path: 'spec.job.parallelism', message: 'Job parallelism must be larger than 0' },
    ],
  ];
  for (const [title, job, session, expected] of cases) {
    it(`rejects ${title}`, () => {
      assert.deepEqual(validateSessionJob(job, session), [expected]);
    });
  }

  it('uses the operator allowlist and restricted-host switch', () => {
    const local = sessionJob({ job: { jarURI: 'http://127.0.0.1:8000/job.jar', parallelism: 1 } });
    const operatorConfig = { jarUriAllowedSchemes: ['HTTP', 'https'], jarUriDisallowRestrictedHosts: false };
    assert.deepEqual(validateSessionJob(local, undefined, { operatorConfig }), []);
  });
});

describe('validateStateSnapshot', () => {
  it('accepts savepoints and checkpoints', () => {
    assert.deepEqual(validateStateSnapshot(snapshot()), []);
    assert.deepEqual(validateStateSnapshot(snapshot({ savepoint: undefined, checkpoint: {} })), []);
    assert.deepEqual(
      validateStateSnapshot(
        snapshot({ jobReference: undefined, savepoint: { alreadyExists: true, path: '/sp' } }),
      ),
      [],
    );
  });

  it('rejects neither or both of savepoint and checkpoint', () => {
    const message = 'Exactly one of checkpoint or savepoint configurations has to be set.';
    assert.deepEqual(validateStateSnapshot(snapshot({ savepoint: undefined })), [{ path: 'spec', message }]);
    assert.deepEqual(validateStateSnapshot(snapshot({ checkpoint: {} })), [{ path: 'spec', message }]);
  });

  it('rejects an existing savepoint without its path', () => {
    const message = 'The path of an existing savepoint (alreadyExists: true) must be set';
    for (const path of [undefined, '', '  '])
      assert.deepEqual(validateStateSnapshot(snapshot({ savepoint: { alreadyExists: true, path } })), [
        { path: 'spec.savepoint.path', message },
      ]);
  });

  it('rejects a missing job reference', () => {
    assert.deepEqual(validateStateSnapshot(snapshot({ jobReference: undefined })), [
      { path: 'spec.jobReference', message: 'Job reference must be supplied for this snapshot' },
    ]);
  });

  it('rejects a pending snapshot whose target was not found', () => {
    assert.deepEqual(validateStateSnapshot(snapshot(), { target: null }), [
      { path: 'spec.jobReference', message: 'Target for snapshot default/basic was not found' },
    ]);
    const done = snapshot({}, { status: { state: 'COMPLETED' } });
    assert.deepEqual(validateStateSnapshot(done, { target: null }), []);
  });
});
