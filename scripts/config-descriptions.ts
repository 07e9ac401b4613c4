/**
 * What each configuration key means, for the generated reference (docs/configuration.md). Keyed by
 * the option's key; a unit test fails when an option declared in the code has no entry here, or an
 * entry names a key the code no longer declares.
 */
export interface OptionDescription {
  type: 'Boolean' | 'Duration' | 'Integer' | 'Number' | 'String' | 'List' | 'Enum';
  description: string;
  /** Also read from a resource's `spec.flinkConfiguration`. */
  perResource?: boolean;
}

const d = (type: OptionDescription['type'], description: string, perResource = false): OptionDescription => ({
  type,
  description,
  ...(perResource ? { perResource } : {}),
});

export const OPTION_DESCRIPTIONS: Record<string, OptionDescription> = {
  // Operator runtime
  'kubernetes.operator.reconcile.interval': d(
    'Duration',
    'How often a resource is reconciled when nothing changes (the periodic re-check).',
    true,
  ),
  'kubernetes.operator.reconcile.parallelism': d(
    'Integer',
    'How many resources of one kind are reconciled at the same time.',
  ),
  'kubernetes.operator.retry.initial.interval': d(
    'Duration',
    'Delay before the first retry of a reconcile that failed with a transient error.',
  ),
  'kubernetes.operator.retry.interval.multiplier': d(
    'Number',
    'Factor the retry delay grows by after each failed attempt.',
  ),
  'kubernetes.operator.retry.max.interval': d(
    'Duration',
    'Upper bound of the retry delay; unbounded when unset.',
  ),
  'kubernetes.operator.retry.max.attempts': d(
    'Integer',
    'Retries of a failing reconcile before it waits for the next change or periodic reconcile.',
  ),
  'kubernetes.operator.watched.namespaces': d(
    'List',
    'Comma-separated namespaces to watch; `JOSDK_ALL_NAMESPACES` (or empty) watches all. Takes effect on restart unless `kubernetes.operator.dynamic.namespaces.enabled`.',
  ),
  'kubernetes.operator.label.selector': d(
    'String',
    'Only resources matching this label selector are managed (e.g. `team=a`). Takes effect on restart.',
  ),
  'kubernetes.operator.leader-election.enabled': d(
    'Boolean',
    'Run several replicas with one leader reconciling; the others keep warm caches and take over.',
  ),
  'kubernetes.operator.leader-election.lease-name': d(
    'String',
    'Name of the Lease used for leader election (in `$OPERATOR_NAMESPACE`); required when leader election is enabled.',
  ),
  'kubernetes.operator.leader-election.lease-duration': d(
    'Duration',
    'How long a lease is valid without renewal before another replica may take it.',
  ),
  'kubernetes.operator.leader-election.renew-deadline': d(
    'Duration',
    'How long the leader keeps trying to renew before it gives up leadership.',
  ),
  'kubernetes.operator.leader-election.retry-period': d(
    'Duration',
    'Interval between attempts to acquire or renew the lease.',
  ),
  'kubernetes.operator.dynamic.config.enabled': d(
    'Boolean',
    'Re-read the configuration file while running and apply changed keys.',
  ),
  'kubernetes.operator.dynamic.namespaces.enabled': d(
    'Boolean',
    'Apply a change of `kubernetes.operator.watched.namespaces` while running (needs dynamic configuration): watches of added namespaces start and their resources get reconciled, those of removed ones stop. The operator needs RBAC in added namespaces; without it the log says so and the watch retries. When false, a change logs a warning that a restart is needed.',
  ),
  'kubernetes.operator.dynamic.config.check.interval': d(
    'Duration',
    'How often the configuration file is re-read when dynamic configuration is enabled.',
  ),
  'kubernetes.operator.health.probe.enabled': d(
    'Boolean',
    'Serve `/healthz` (liveness; also `/`) and `/readyz` (readiness) over HTTP.',
  ),
  'kubernetes.operator.health.probe.port': d('Integer', 'Port of the health endpoints.'),
  'kubernetes.operator.health.canary.resource.timeout': d(
    'Duration',
    'Canary resources (label `flink.apache.org/canary: "true"`, e.g. a FlinkDeployment with no spec) are never deployed: the leader bumps their `spec.restartNonce` and the liveness probe fails when a bump is not reconciled within this time.',
  ),
  'kubernetes.operator.termination.timeout': d(
    'Duration',
    'On shutdown, how long in-flight reconciles may finish before they are aborted.',
  ),

  // FlinkDeployment
  'kubernetes.operator.jm-deployment-recovery.enabled': d(
    'Boolean',
    'Recreate a JobManager Deployment that disappeared, restoring the job from HA metadata.',
    true,
  ),
  'kubernetes.operator.periodic.savepoint.interval': d(
    'String',
    'Trigger a savepoint of the running job at this interval (`6h`), or at the times of a Quartz cron expression in UTC (`0 0 2 * * ?`: 02:00 daily); taken by the first reconcile at or after that time; off when unset or 0.',
    true,
  ),
  'kubernetes.operator.periodic.checkpoint.interval': d(
    'String',
    'Trigger a checkpoint of the running job at this interval (`6h`), or at the times of a Quartz cron expression in UTC (`0 0 2 * * ?`: 02:00 daily); taken by the first reconcile at or after that time; off when unset or 0.',
    true,
  ),
  'kubernetes.operator.savepoint.trigger.grace-period': d(
    'Duration',
    'How long a triggered savepoint may take before the trigger is considered failed.',
    true,
  ),
  'kubernetes.operator.checkpoint.trigger.grace-period': d(
    'Duration',
    'How long a triggered checkpoint may take before the trigger is considered failed.',
    true,
  ),
  'kubernetes.operator.savepoint.cleanup.enabled': d(
    'Boolean',
    'Dispose of savepoints that fall out of the savepoint history limits.',
    true,
  ),
  'kubernetes.operator.deployment.rollback.enabled': d(
    'Boolean',
    'Roll back to the last stable spec when an upgrade does not become ready in time (needs HA).',
    true,
  ),
  'kubernetes.operator.deployment.readiness.timeout': d(
    'Duration',
    'How long a new deployment may take to become ready before a rollback is considered.',
    true,
  ),
  'kubernetes.operator.job.restart.failed': d(
    'Boolean',
    'Redeploy a job that reached FAILED, from its last state.',
    true,
  ),
  'kubernetes.operator.job.upgrade.inplace-scaling.enabled': d(
    'Boolean',
    'Apply a change of `pipeline.jobvertex-parallelism-overrides` to the running job through its resource requirements (Flink 1.18+ with `jobmanager.scheduler: adaptive`) instead of an upgrade.',
    true,
  ),

  // Jobs, savepoints and snapshots
  'kubernetes.operator.observer.progress-check.interval': d(
    'Duration',
    'How often a resource is checked while something is in progress (deploying, savepoint, upgrade).',
    true,
  ),
  'kubernetes.operator.flink.client.timeout': d('Duration', 'Timeout of Flink REST requests.', true),
  'kubernetes.operator.flink.client.cancel.timeout': d(
    'Duration',
    'How long cancelling or stopping a job with a savepoint may take.',
    true,
  ),
  'kubernetes.operator.job.submission.timeout': d(
    'Duration',
    'How long a session job submission (jar upload and run) may take.',
    true,
  ),
  'kubernetes.operator.job.savepoint-on-deletion': d(
    'Boolean',
    'Take a savepoint when a job resource is deleted.',
    true,
  ),
  'kubernetes.operator.job.drain-on-savepoint-deletion': d(
    'Boolean',
    'Drain the job (flush windows) when stopping it with a savepoint on deletion.',
    true,
  ),
  'kubernetes.operator.job.upgrade.last-state-fallback.enabled': d(
    'Boolean',
    'For savepoint upgrades of a job that cannot take a savepoint, fall back to last-state when HA metadata exists.',
    true,
  ),
  'kubernetes.operator.session.deletion.block-on-session-jobs': d(
    'Boolean',
    'Keep a session cluster while FlinkSessionJobs still target it.',
    true,
  ),
  'kubernetes.operator.user.artifacts.base.dir': d(
    'String',
    'Folder where the operator stores jars it downloads for session jobs.',
  ),
  'kubernetes.operator.user.artifacts.http.header': d(
    'String',
    'HTTP headers (`Name:value`, comma-separated) sent when downloading session job jars.',
    true,
  ),
  'kubernetes.operator.user.artifacts.allowed-schemes': d(
    'List',
    'URI schemes a session job `jarURI` may use (`;`-separated).',
  ),
  'kubernetes.operator.user.artifacts.disallow-restricted-hosts': d(
    'Boolean',
    'Refuse http(s) `jarURI`s whose host is, or resolves to, a loopback, link-local (cloud metadata), private, cluster-internal, unspecified, multicast or reserved address, in IPv4 or IPv6 (mapped and compatible forms included), at validation and for every address a download connects to, redirects included. See docs/session-jobs.md.',
  ),
  'kubernetes.operator.user.artifacts.restricted-hosts.allowed': d(
    'List',
    'Restricted hosts session job jars may be downloaded from all the same: host names (as written in the URI), IP addresses or CIDR ranges, each optionally with `:port` (`[v6]:port` for IPv6), `;`-separated.',
  ),
  'kubernetes.operator.user.artifacts.http.connect-timeout': d(
    'Duration',
    'How long resolving, connecting to and the TLS handshake with a jar host may take, per redirect hop.',
  ),
  'kubernetes.operator.user.artifacts.http.read-timeout': d(
    'Duration',
    'How long a jar download may wait for the next bytes (the response or more of the body) before it fails.',
  ),
  'kubernetes.operator.user.artifacts.http.timeout': d(
    'Duration',
    'How long one jar download may take in all, redirects included, before it fails.',
  ),
  'kubernetes.operator.user.artifacts.http.max-redirects': d(
    'Integer',
    'How many redirects a jar download follows; each target is checked like the `jarURI` itself.',
  ),
  'kubernetes.operator.user.artifacts.max-size': d(
    'String',
    'The largest jar the operator downloads (a memory size such as `512 mb`); larger ones fail.',
  ),
  'kubernetes.operator.user.artifacts.download.parallelism': d(
    'Integer',
    'How many jar downloads run at once. They run apart from the reconcile workers; further downloads wait their turn while their session jobs show `RECONCILING`.',
  ),
  'kubernetes.operator.snapshot.resource.enabled': d(
    'Boolean',
    'Record savepoints and checkpoints as FlinkStateSnapshot resources (otherwise only in status).',
    true,
  ),
  'kubernetes.operator.savepoint.format.type': d(
    'String',
    'Savepoint format of operator-triggered savepoints: `CANONICAL` or `NATIVE`.',
    true,
  ),
  'kubernetes.operator.savepoint.dispose-on-delete': d(
    'Boolean',
    'Default of `spec.savepoint.disposeOnDelete` for FlinkStateSnapshots the operator creates.',
    true,
  ),
  'kubernetes.operator.savepoint.history.max.count': d(
    'Integer',
    'Savepoints kept in the history of a job.',
    true,
  ),
  'kubernetes.operator.savepoint.history.max.count.threshold': d(
    'Integer',
    'Upper bound the per-resource savepoint history count cannot exceed.',
  ),
  'kubernetes.operator.savepoint.history.max.age': d(
    'Duration',
    'Age after which savepoints leave the history.',
    true,
  ),
  'kubernetes.operator.savepoint.history.max.age.threshold': d(
    'Duration',
    'Upper bound the per-resource savepoint history age cannot exceed.',
  ),
  'state.checkpoints.num-retained': d(
    'Integer',
    'Flink key: completed checkpoints Flink keeps; the operator keeps as many checkpoint snapshots.',
    true,
  ),
  'execution.checkpointing.savepoint-dir': d(
    'String',
    'Flink key: default folder for savepoints; needed for savepoint upgrades and savepoint snapshots.',
    true,
  ),
  'state.savepoints.dir': d(
    'String',
    'Flink key: older name of `execution.checkpointing.savepoint-dir`.',
    true,
  ),
  'execution.checkpointing.timeout': d(
    'Duration',
    'How long a snapshot the operator triggers may run before it counts as failed.',
    true,
  ),

  // Flink REST
  'kubernetes.operator.rest.address-resolution': d(
    'String',
    "How the operator reaches a cluster's REST API: `service-dns` (the REST Service name, in-cluster) or `pod-ip` (the JobManager pod address, for operators outside cluster DNS such as the local cluster).",
    true,
  ),

  // Webhook
  'kubernetes.operator.webhook.enabled': d(
    'Boolean',
    'Serve the validating and defaulting admission webhook from the operator process (as `run --webhook`).',
  ),
  'kubernetes.operator.webhook.port': d('Integer', 'HTTPS port of the webhook.'),
  'kubernetes.operator.webhook.bind-address': d('String', 'Address the webhook listens on.'),
  'kubernetes.operator.webhook.service.name': d(
    'String',
    'Service the API server reaches the webhook through; its DNS names go into the serving certificate.',
  ),
  'kubernetes.operator.webhook.certificate.secret': d(
    'String',
    'Secret (in the operator namespace) holding the generated CA and serving certificate, shared by all replicas.',
  ),
  'kubernetes.operator.webhook.certificate.validity': d('Duration', 'Validity of a generated certificate.'),
  'kubernetes.operator.webhook.certificate.renew-before': d(
    'Duration',
    'Renew the certificate when it expires within this time; the previous CA stays trusted until it expires.',
  ),
  'kubernetes.operator.webhook.certificate.check-interval': d(
    'Duration',
    'How often the certificate is checked for renewal and the caBundle re-published.',
  ),
  'kubernetes.operator.webhook.validating-configuration': d(
    'String',
    'ValidatingWebhookConfiguration whose caBundle the operator keeps up to date; empty for none.',
  ),
  'kubernetes.operator.webhook.mutating-configuration': d(
    'String',
    'MutatingWebhookConfiguration whose caBundle the operator keeps up to date; empty for none.',
  ),
  // Job autoscaler
  'job.autoscaler.enabled': d(
    'Boolean',
    'Run the job autoscaler for this deployment: collect vertex metrics, decide vertex parallelisms and apply them.',
    true,
  ),
  'job.autoscaler.scaling.enabled': d(
    'Boolean',
    'Apply the decisions. When false the autoscaler only evaluates and reports the parallelism it recommends (ScalingReport Events, the `evaluation` key of its ConfigMap).',
    true,
  ),
  'job.autoscaler.metrics.window': d(
    'Duration',
    'Length of the window whose samples a decision averages; a decision needs a full window.',
    true,
  ),
  'job.autoscaler.stabilization.interval': d(
    'Duration',
    'Time after the job starts or rescales during which no samples are collected.',
    true,
  ),
  'job.autoscaler.utilization.target': d(
    'Number',
    'Busy share each vertex is sized for (0-1). Also read from `job.autoscaler.target.utilization`.',
    true,
  ),
  'job.autoscaler.target.utilization.boundary': d(
    'Number',
    'Distance from the target utilisation within which nothing is scaled, unless `utilization.max`/`utilization.min` say otherwise.',
    true,
  ),
  'job.autoscaler.utilization.max': d(
    'Number',
    'Utilisation above which a vertex scales up; target + boundary when unset.',
    true,
  ),
  'job.autoscaler.utilization.min': d(
    'Number',
    'Utilisation below which a vertex scales down; target - boundary when unset.',
    true,
  ),
  'job.autoscaler.scale-down.interval': d(
    'Duration',
    'A vertex scales down only after wanting to for this long, then to the highest parallelism it recommended meanwhile; 0 scales down at once.',
    true,
  ),
  'job.autoscaler.vertex.min-parallelism': d(
    'Integer',
    'Lowest parallelism the autoscaler gives a vertex.',
    true,
  ),
  'job.autoscaler.vertex.max-parallelism': d(
    'Integer',
    'Highest parallelism the autoscaler gives a vertex; the vertex key groups and source partitions cap it as well.',
    true,
  ),
  'job.autoscaler.scale-down.max-factor': d(
    'Number',
    'Largest share of its parallelism a vertex can lose in one step (1: no limit).',
    true,
  ),
  'job.autoscaler.scale-up.max-factor': d(
    'Number',
    'Largest growth of a vertex parallelism in one step, as a factor of it (1: at most double).',
    true,
  ),
  'job.autoscaler.catch-up.duration': d(
    'Duration',
    'Time within which a backlog (and what accumulates during a restart) should be worked off; sets the extra capacity. 0 ignores backlog.',
    true,
  ),
  'job.autoscaler.restart.time': d(
    'Duration',
    'Expected time a rescale keeps the job from processing.',
    true,
  ),
  'job.autoscaler.backlog-processing.lag-threshold': d(
    'Duration',
    'Backlog, in seconds of input, above which the job counts as catching up: no vertex scales down meanwhile.',
    true,
  ),
  'job.autoscaler.scaling.effectiveness.detection.enabled': d(
    'Boolean',
    'Block further scale-ups of a vertex whose last scale-up was ineffective (an IneffectiveScaling Event is recorded either way).',
    true,
  ),
  'job.autoscaler.scaling.effectiveness.threshold': d(
    'Number',
    'Share of the expected processing rate increase a scale-up must achieve to count as effective.',
    true,
  ),
  'job.autoscaler.memory.gc-pressure.threshold': d(
    'Number',
    'Share of time in garbage collection above which scaling pauses with a MemoryPressure Event.',
    true,
  ),
  'job.autoscaler.memory.heap-usage.threshold': d(
    'Number',
    'Heap usage share above which scaling pauses with a MemoryPressure Event.',
    true,
  ),
  'job.autoscaler.history.max.count': d('Integer', 'Past scaling decisions kept per vertex.', true),
  'job.autoscaler.history.max.age': d(
    'Duration',
    'Age after which past scaling decisions are dropped.',
    true,
  ),
  'job.autoscaler.metrics.busy-time.aggregator': d(
    'Enum',
    'How subtask busy times combine: MAX (the busiest subtask, robust to skew), AVG or MIN.',
    true,
  ),
  'job.autoscaler.vertex.exclude.ids': d('List', 'Job vertex ids (hex) the autoscaler never rescales.', true),
  'job.autoscaler.scaling.event.interval': d(
    'Duration',
    'An identical autoscaler Event is recorded at most once per this interval.',
    true,
  ),
  'job.autoscaler.quota.cpu': d(
    'Number',
    'Most CPU the TaskManagers may use; a scale-up beyond it is refused with ResourceQuotaReached.',
    true,
  ),
  'job.autoscaler.quota.memory': d(
    'String',
    'Most memory the TaskManagers may use; a scale-up beyond it is refused with ResourceQuotaReached.',
    true,
  ),
  'job.autoscaler.scaling.parallelism-alignment.mode': d(
    'Enum',
    'Alignment of keyed vertices and partitioned sources to their key groups or partitions: BALANCED, EVENLY_SPREAD or OFF.',
    true,
  ),
  'job.autoscaler.flink.rest-client.timeout': d(
    'Duration',
    "Timeout of each metrics request the autoscaler sends to the job's JobManager.",
    true,
  ),
  'job.autoscaler.observed-true-processing-rate.lag-threshold': d(
    'Duration',
    'Backlog, in reading time, beyond which a source reads at full speed and its processing rate is observed (records read per second, corrected for back pressure).',
    true,
  ),
  'job.autoscaler.observed-true-processing-rate.switch-threshold': d(
    'Number',
    "Share by which a source's busy-time based processing rate may exceed its observed rate before the observed rate is used instead.",
    true,
  ),
  'job.autoscaler.observed-true-processing-rate.min-observations': d(
    'Integer',
    'Observations of a source processing rate needed before it is used.',
    true,
  ),
  'job.autoscaler.memory.tuning.enabled': d(
    'Boolean',
    'Apply TaskManager memory tuning with each scaling decision: heap, metaspace, network and managed memory sized from observed usage, the TaskManager memory never above the spec. When false the tuning is only recommended (a "Configuration recommendation" Event).',
    true,
  ),
  'job.autoscaler.memory.tuning.overhead': d(
    'Number',
    'Share added to the observed heap and metaspace usage when tuning memory (0-1), room to grow within the spec memory.',
    true,
  ),
  'job.autoscaler.memory.tuning.maximize-managed-memory': d(
    'Boolean',
    'When the job uses managed memory (RocksDB), give it all memory tuning saves instead of shrinking the TaskManager.',
    true,
  ),
  'job.autoscaler.memory.tuning.scale-down-compensation.enabled': d(
    'Boolean',
    'With memory tuning, grow the TaskManager heap on a scale-down by the ratio of TaskManagers before and after, so fewer TaskManagers keep the memory the job had.',
    true,
  ),
};
