/**
 * The Kubernetes objects of a FlinkDeployment as pure functions of the resource and its effective
 * configuration.
 *
 * Ownership, as Flink sets it: the JobManager Deployment (and the standalone TaskManager
 * Deployment) are owned by the FlinkDeployment through `kubernetes.jobmanager.owner.reference`
 * (controller false, blockOwnerDeletion true); the ConfigMaps and Services are owned by the
 * JobManager Deployment, so deleting that Deployment removes the whole cluster. Their owner
 * reference needs the Deployment's uid: create the Deployment first, then pass its uid (or use
 * `ownedByJobManager`). The Ingress is owned by the FlinkDeployment (controller true).
 */
import type { V1ConfigMap, V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import type { FlinkDeployment } from '../../api/index.ts';
import { deploymentMode } from '../config/effective.ts';
import { isHighAvailabilityEnabled } from '../config/high-availability.ts';
import { clusterConfiguration } from './cluster-config.ts';
import {
  clusterContext,
  flinkConfigMap,
  internalService,
  jobManagerDeployment,
  podTemplateConfigMap,
  restService,
  taskManagerDeployment,
} from './cluster.ts';
import { ingressObject } from './ingress.ts';
import { jobManagerDeploymentName } from './names.ts';
import { processTemplates } from './pod-template.ts';

export interface ClusterObjects {
  jobManagerDeployment: V1Deployment;
  /** Standalone mode only: native JobManagers create their TaskManager pods themselves. */
  taskManagerDeployment?: V1Deployment;
  /** `flink-config-<name>` and, with a TaskManager template in native mode, `pod-template-<name>`. */
  configMaps: V1ConfigMap[];
  /** `<name>-rest`, and the headless `<name>` unless native mode runs with HA. */
  services: V1Service[];
  ingress?: V1Ingress;
  /** The configuration written into config.yaml. */
  clusterConfig: Record<string, string>;
}

export interface DesiredObjectsOptions {
  /** uid of the created JobManager Deployment; ConfigMaps and Services then get it as owner. */
  jobManagerDeploymentUid?: string;
}

/** An owner reference of `obj` to the JobManager Deployment, as Flink sets it. */
export function ownedByJobManager<T extends { metadata?: { ownerReferences?: unknown[] } }>(
  obj: T,
  jobManager: { metadata?: { name?: string; uid?: string } },
): T {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: jobManager.metadata?.name ?? '',
          uid: jobManager.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
  };
}

export function desiredObjects(
  deployment: FlinkDeployment,
  effectiveConfig: Readonly<Record<string, string>>,
  options: DesiredObjectsOptions = {},
): ClusterObjects {
  const mode = deploymentMode(deployment.spec);
  const templates = processTemplates(deployment.spec, effectiveConfig);
  const shipsTaskManagerTemplate = mode === 'native' && templates.taskManager !== undefined;
  const config = clusterConfiguration(deployment, effectiveConfig, shipsTaskManagerTemplate);
  const ctx = clusterContext(deployment, config);

  let configMaps = [flinkConfigMap(ctx)];
  if (shipsTaskManagerTemplate && templates.taskManager) {
    configMaps.push(podTemplateConfigMap(ctx, templates.taskManager));
  }
  let services = [restService(ctx)];
  if (mode === 'standalone' || !isHighAvailabilityEnabled(config)) services.unshift(internalService(ctx));
  const uid = options.jobManagerDeploymentUid;
  if (uid) {
    const owner = { metadata: { name: jobManagerDeploymentName(ctx.name), uid } };
    configMaps = configMaps.map((cm) => ownedByJobManager(cm, owner));
    services = services.map((svc) => ownedByJobManager(svc, owner));
  }
  return {
    jobManagerDeployment: jobManagerDeployment(ctx, templates.jobManager, shipsTaskManagerTemplate),
    ...(mode === 'standalone' && {
      taskManagerDeployment: taskManagerDeployment(ctx, templates.taskManager),
    }),
    configMaps,
    services,
    ...(deployment.spec.ingress && { ingress: ingressObject(deployment, deployment.spec.ingress, config) }),
    clusterConfig: config,
  };
}

/** Every object, in the order to create them (Deployments first: the others name them as owner). */
export function allObjects(
  objects: ClusterObjects,
): Array<V1Deployment | V1ConfigMap | V1Service | V1Ingress> {
  return [
    objects.jobManagerDeployment,
    ...(objects.taskManagerDeployment ? [objects.taskManagerDeployment] : []),
    ...objects.configMaps,
    ...objects.services,
    ...(objects.ingress ? [objects.ingress] : []),
  ];
}

export * from './names.ts';
export {
  clusterConfiguration,
  restUrlOf,
  POD_TEMPLATE_DIR,
  TASK_MANAGER_POD_TEMPLATE_FILE,
} from './cluster-config.ts';
export { mergePodTemplates, processTemplates, addStartupProbe } from './pod-template.ts';
export { ingressUrl, ingressObject } from './ingress.ts';
