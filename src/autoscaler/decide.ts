/**
 * One autoscaling decision for a whole job: evaluate the window, compute each vertex's new
 * parallelism, and scale only when some vertex is outside its utilisation band, memory is not
 * under pressure and the resource quota allows it; an application's TaskManager memory is tuned
 * with it. Returns the new state (history, delayed scale-downs, overrides) and the events to
 * record. Pure.
 */
import { evaluate, type Evaluation } from './evaluate.ts';
import { recommendationMessage, tuneTaskManagerMemory, type MemoryTuning } from './memory-tuning.ts';
import type { AutoscalerSettings } from './options.ts';
import type { AutoscalerEvent, AutoscalerState, JobTopology, MetricSample, ScalingSummary } from './types.ts';
import { scaleVertex } from './vertex-scaler.ts';

/** The resources of one TaskManager, to check a decision against the quota. */
export interface TaskManagerResources {
  cpu: number;
  memoryBytes: number;
  slots: number;
}

export interface DecisionInput {
  settings: AutoscalerSettings;
  topology: JobTopology;
  /** The samples of a full metrics window. */
  samples: MetricSample[];
  state: AutoscalerState;
  now: number;
  /** Unknown when a session job's cluster cannot be read: then the quota is not checked. */
  taskManager?: TaskManagerResources;
  /**
   * The effective Flink configuration of an application deployment's own spec, to tune its
   * TaskManager memory with a scaling decision; absent for a session job (the cluster is shared).
   */
  flinkConfig?: Readonly<Record<string, string>>;
}

export interface Decision {
  state: AutoscalerState;
  /** Vertices whose parallelism changes, with the summary recorded in history. */
  scaled: Record<string, ScalingSummary>;
  events: AutoscalerEvent[];
  evaluation: Evaluation;
}

export function decide(input: DecisionInput): Decision {
  const { settings, topology, now } = input;
  const evaluation = evaluate(topology, input.samples, settings);
  const state: AutoscalerState = structuredClone(input.state);
  state.scalingHistory = rememberedHistory(state.scalingHistory, topology, settings, now);
  state.lastEvaluation = { time: now, vertices: structuredClone(evaluation.vertices) };
  const events: AutoscalerEvent[] = [];
  const none = (): Decision => ({ state, scaled: {}, events, evaluation });

  if (memoryPressure(evaluation, settings, events)) return none();

  const candidates: Record<string, ScalingSummary> = {};
  let anyOutside = false;
  for (const vertex of topology.vertices) {
    const e = evaluation.vertices[vertex.id];
    if (!e || settings.excludedVertices.includes(vertex.id)) continue;
    const decision = scaleVertex({
      vertex,
      evaluation: e,
      settings,
      history: state.scalingHistory[vertex.id] ?? [],
      delayed: state.delayedScaleDown,
      now,
      events,
    });
    if (!decision) continue;
    anyOutside ||= decision.outsideBound;
    candidates[vertex.id] = {
      time: now,
      currentParallelism: vertex.parallelism,
      newParallelism: decision.newParallelism,
      trueProcessingRate: e.trueProcessingRate,
      expectedProcessingRate: decision.expectedProcessingRate,
      targetDataRate: e.targetDataRate,
    };
    state.lastEvaluation.vertices[vertex.id]!.recommendedParallelism = decision.newParallelism;
  }
  // Every vertex within its band: a change would only move it around inside the band.
  if (!anyOutside) return none();

  if (!settings.scalingEnabled) {
    events.push(
      scalingReport(
        candidates,
        'Scaling execution disabled by config job.autoscaler.scaling.enabled:false, recommended parallelism change:',
      ),
    );
    return none();
  }

  const parallelism = (id: string) =>
    candidates[id]?.newParallelism ?? topology.vertices.find((v) => v.id === id)!.parallelism;
  const tuning = input.flinkConfig ? tuneMemory(input, parallelism, events) : undefined;
  const taskManager =
    input.taskManager && tuning
      ? { ...input.taskManager, memoryBytes: tuning.processMemoryBytes }
      : input.taskManager;
  if (taskManager && exceedsQuota(candidates, taskManager, settings)) {
    events.push({
      type: 'Warning',
      reason: 'ResourceQuotaReached',
      message:
        'Scaling is blocked: the resources the new parallelism needs exceed job.autoscaler.quota.cpu or job.autoscaler.quota.memory.',
      key: 'quota',
    });
    return none();
  }

  events.push(scalingReport(candidates, 'Scaling execution enabled, begin scaling vertices:'));
  for (const [id, summary] of Object.entries(candidates)) {
    state.scalingHistory[id] = trimHistory([...(state.scalingHistory[id] ?? []), summary], settings, now);
  }
  // Every vertex is pinned, the unscaled ones at the parallelism they run with, as the compatible
  // operator does: a later change of the job's parallelism then moves none of them.
  state.parallelismOverrides = Object.fromEntries(
    topology.vertices.map((v) => [v.id, candidates[v.id]?.newParallelism ?? v.parallelism]),
  );
  // Memory is tuned only together with a rescale, which restarts the TaskManagers anyway.
  if (input.flinkConfig) {
    if (tuning) {
      const { overrides, removals, processMemoryBytes } = tuning;
      state.configOverrides = { overrides, removals, processMemoryBytes };
    } else delete state.configOverrides;
  }
  // A rescale restarts the job: the window starts again and pending scale-downs are void.
  state.delayedScaleDown = {};
  state.metrics = [];
  return { state, scaled: candidates, events, evaluation };
}

/**
 * The memory tuning of this decision, recommended in an Event either way; returned only when
 * `memory.tuning.enabled` applies it.
 */
function tuneMemory(
  input: DecisionInput,
  parallelism: (vertexId: string) => number,
  events: AutoscalerEvent[],
): MemoryTuning | undefined {
  const { settings } = input;
  const tuning = tuneTaskManagerMemory({
    settings,
    config: input.flinkConfig!,
    topology: input.topology,
    samples: input.samples,
    parallelism,
  });
  if ('skipped' in tuning) return undefined;
  const message = recommendationMessage(tuning, settings.memoryTuning.enabled);
  events.push({
    type: 'Normal',
    reason: 'Configuration recommendation',
    message,
    key: `MemoryTuning ${message}`,
    messageKey: 'MemoryTuning',
  });
  return settings.memoryTuning.enabled ? tuning : undefined;
}

function trimHistory(history: ScalingSummary[], settings: AutoscalerSettings, now: number): ScalingSummary[] {
  const recent = history.filter((s) => s.time >= now - settings.historyMaxAgeMs);
  return recent.slice(Math.max(0, recent.length - settings.historyMaxCount));
}

/**
 * The history a decision may judge by: at most `history.max.count` decisions per vertex, none older
 * than `history.max.age`, and only of vertices the job still has. Applied before every decision, so
 * a scale-up long past cannot mark the next one ineffective.
 */
function rememberedHistory(
  history: Record<string, ScalingSummary[]>,
  topology: JobTopology,
  settings: AutoscalerSettings,
  now: number,
): Record<string, ScalingSummary[]> {
  const kept: Record<string, ScalingSummary[]> = {};
  for (const vertex of topology.vertices) {
    const entries = trimHistory(history[vertex.id] ?? [], settings, now);
    if (entries.length > 0) kept[vertex.id] = entries;
  }
  return kept;
}

/** GC time or heap usage above the thresholds: more subtasks on the same memory would make it worse. */
function memoryPressure(
  evaluation: Evaluation,
  settings: AutoscalerSettings,
  events: AutoscalerEvent[],
): boolean {
  if (evaluation.gcPressure !== undefined && evaluation.gcPressure > settings.gcPressureThreshold) {
    events.push({
      type: 'Normal',
      reason: 'MemoryPressure',
      message: `GC pressure ${evaluation.gcPressure.toFixed(2)} is above job.autoscaler.memory.gc-pressure.threshold (${settings.gcPressureThreshold}); scaling is paused. Give the TaskManagers more memory.`,
      key: 'gcPressure',
    });
    return true;
  }
  if (evaluation.heapUsage !== undefined && evaluation.heapUsage > settings.heapUsageThreshold) {
    events.push({
      type: 'Normal',
      reason: 'MemoryPressure',
      message: `Heap usage ${evaluation.heapUsage.toFixed(2)} is above job.autoscaler.memory.heap-usage.threshold (${settings.heapUsageThreshold}); scaling is paused. Give the TaskManagers more memory.`,
      key: 'heapUsage',
    });
    return true;
  }
  return false;
}

/**
 * Whether the TaskManagers the decision adds push the job past `quota.cpu` or `quota.memory`.
 * Counted as the compatible operator counts them: the slots are the widest of the vertices that
 * change (with slot sharing, one slot holds a subtask of each vertex; the collected topology only
 * knows the default slot sharing group, so there is one group to count), before and after, and the
 * TaskManagers are those slots over the slots per TaskManager, rounded down. A decision that does
 * not add TaskManagers, a scale-down in particular, is never blocked.
 */
export function exceedsQuota(
  scaled: Record<string, Pick<ScalingSummary, 'currentParallelism' | 'newParallelism'>>,
  tm: TaskManagerResources,
  settings: Pick<AutoscalerSettings, 'quotaCpu' | 'quotaMemoryBytes'>,
): boolean {
  if (settings.quotaCpu === undefined && settings.quotaMemoryBytes === undefined) return false;
  const changes = Object.values(scaled);
  const slotsPerTaskManager = Math.max(1, tm.slots);
  const taskManagers = (slots: number) => Math.floor(slots / slotsPerTaskManager);
  const before = taskManagers(Math.max(0, ...changes.map((s) => s.currentParallelism)));
  const after = taskManagers(Math.max(0, ...changes.map((s) => s.newParallelism)));
  if (after <= before) return false;
  if (settings.quotaCpu !== undefined && after * tm.cpu > settings.quotaCpu) return true;
  return settings.quotaMemoryBytes !== undefined && after * tm.memoryBytes > settings.quotaMemoryBytes;
}

/**
 * The ScalingReport Event: a header, then one `{ Vertex ID ... }` entry per vertex in the format
 * tools written for the compatible operator parse.
 */
export function scalingReport(scaled: Record<string, ScalingSummary>, header: string): AutoscalerEvent {
  const entries = Object.entries(scaled)
    .map(
      ([id, s]) =>
        `{ Vertex ID ${id} | Parallelism ${s.currentParallelism} -> ${s.newParallelism} | ` +
        `Processing capacity ${fixed(s.trueProcessingRate)} -> ${fixed(s.expectedProcessingRate)} | ` +
        `Target data rate ${fixed(s.targetDataRate)}}`,
    )
    .join('');
  // A new set of parallelism changes is always reported; the same one again only after the interval.
  const changes = Object.entries(scaled)
    .map(([id, s]) => `${id}:${s.currentParallelism}->${s.newParallelism}`)
    .sort()
    .join(',');
  return {
    type: 'Normal',
    reason: 'ScalingReport',
    message: header + entries,
    key: `ScalingExecutor ${changes}`,
    messageKey: 'ScalingExecutor',
  };
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : value > 0 ? 'Infinity' : String(value);
}
