/**
 * The schedule controller: reconciles FlinkDeployments that are schedule templates. Each
 * reconcile reads the template and its runs from the cache, asks the planner what to do, does it
 * (delete, create, Events, status) and requeues at the next tick. Nothing is kept in memory
 * between reconciles, so restarts and leader changes resume from what the API server holds.
 */
import {
  API_VERSION,
  GROUP,
  VERSION,
  type FlinkDeployment,
  type FlinkDeploymentStatus,
} from '../../api/index.ts';
import {
  Action,
  Controller,
  TransientError,
  isConflict,
  isNotFound,
  type ReconcileContext,
  type ResourceType,
} from '../../runtime/index.ts';
import { isScheduleTemplate } from './effective.ts';
import { SCHEDULED_TIME_ANNOTATION, SCHEDULE_LABEL } from './labels.ts';
import {
  PLAN_DEFAULTS,
  planSchedule,
  type PlanOptions,
  type RunCreation,
  type RunDeletion,
} from './planner.ts';
import { parseTimestamp } from './time.ts';
import { applyScheduleStatus, statusDiffers } from './status.ts';

export const FLINK_DEPLOYMENTS: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'flinkdeployments',
  kind: 'FlinkDeployment',
  namespaced: true,
};

export interface ScheduleControllerOptions {
  /** The clock; tests inject one. */
  now?: () => Date;
  plan?: Omit<PlanOptions, 'isNameTaken'>;
}

export function createScheduleController(
  options: ScheduleControllerOptions = {},
): Controller<FlinkDeployment> {
  const now = options.now ?? (() => new Date());
  const controller: Controller<FlinkDeployment> = new Controller<FlinkDeployment>({
    name: 'FlinkDeploymentSchedule',
    resource: FLINK_DEPLOYMENTS,
    // Runs are FlinkDeployments too: their changes (a run finishing) wake their template.
    owns: [{ resource: FLINK_DEPLOYMENTS, labelSelector: SCHEDULE_LABEL }],
    // Of the other FlinkDeployments (most of them) only their metadata is read: that they are no
    // template (any more) and their names. The FlinkDeployment controller caches them in full.
    retain: (d) =>
      isScheduleTemplate(d)
        ? d
        : {
            apiVersion: d.apiVersion,
            kind: d.kind,
            metadata: d.metadata,
            spec: {} as FlinkDeployment['spec'],
          },
    reconcile: async (template, ctx) => {
      const runs = ctx.owned<FlinkDeployment>(FLINK_DEPLOYMENTS);
      const namespace = template.metadata.namespace ?? '';
      const plan = planSchedule(template, runs, now(), {
        ...options.plan,
        isNameTaken: (name) => controller.get(`${namespace}/${name}`) !== undefined,
      });
      for (const deletion of plan.stop) await deleteRun(ctx, deletion);
      if (plan.create && (await createRun(ctx, template, plan.create)))
        await ctx.recordEvent(plan.create.event);
      for (const deletion of plan.prune) await deleteRun(ctx, deletion);
      for (const event of plan.events) await ctx.recordEvent(event);
      const change = plan.status;
      if (change) {
        const historySize = options.plan?.historySize ?? PLAN_DEFAULTS.historySize;
        if (statusDiffers(template.status, applyScheduleStatus(template.status, change, historySize))) {
          await ctx.updateStatus<FlinkDeploymentStatus>((current) =>
            applyScheduleStatus(current, change, historySize),
          );
        }
      }
      return plan.requeueAfterMs === undefined
        ? Action.awaitChange()
        : Action.requeueAfter(plan.requeueAfterMs);
    },
  });
  return controller;
}

/**
 * Deletes a run (only that very object: a uid precondition) and records the Cleanup Event. How the
 * run's job stops is the deployment controller's cleanup, which follows the run's upgrade mode.
 */
async function deleteRun(ctx: ReconcileContext<FlinkDeployment>, deletion: RunDeletion): Promise<void> {
  const { client, signal } = ctx;
  const path = client.path(FLINK_DEPLOYMENTS, deletion.run.metadata.namespace, deletion.name);
  try {
    await client.request('DELETE', path, {
      body: { propagationPolicy: 'Background', preconditions: { uid: deletion.run.metadata.uid } },
      signal,
    });
  } catch (err) {
    // Gone already, or the name now belongs to another object: either way this run is no more.
    if (isNotFound(err) || isConflict(err)) return;
    throw err;
  }
  ctx.log.info({ run: deletion.name, reason: deletion.reason }, 'deleted scheduled run');
  await ctx.recordEvent(deletion.event);
}

/**
 * Creates the run; false when it exists already (an earlier attempt or another instance created it:
 * the tick is handled). A same-named object for another tick is retried once the cache shows it.
 */
async function createRun(
  ctx: ReconcileContext<FlinkDeployment>,
  template: FlinkDeployment,
  creation: RunCreation,
): Promise<boolean> {
  const { client, signal } = ctx;
  const name = creation.run.metadata.name ?? '';
  try {
    await client.create(FLINK_DEPLOYMENTS, creation.run, signal);
    ctx.log.info({ run: name, scheduled: creation.scheduled.toISOString() }, 'created scheduled run');
    return true;
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  const existing = await client.get<FlinkDeployment>(
    FLINK_DEPLOYMENTS,
    template.metadata.namespace,
    name,
    signal,
  );
  const sameTick =
    parseTimestamp(existing.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION]) ===
    creation.scheduled.getTime();
  const ours = (existing.metadata.ownerReferences ?? []).some(
    (ref) => ref.controller === true && ref.uid === template.metadata.uid && ref.apiVersion === API_VERSION,
  );
  if (sameTick && ours) return false;
  throw new TransientError(`cannot create run ${name}: the name is taken by another object`);
}
