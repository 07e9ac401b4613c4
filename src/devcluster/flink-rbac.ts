import * as k8s from '@kubernetes/client-node';

export const FLINK_SERVICE_ACCOUNT = 'flink';
/** The chart's job Role and RoleBinding names (values.yaml `rbac.jobRole` / `rbac.jobRoleBinding`). */
const FLINK_ROLE = 'flink';
const FLINK_ROLE_BINDING = 'flink-role-binding';
/** The release name the docs install the chart under (`helm install flink-operator charts/flink-operator`). */
export const CHART_RELEASE_NAME = 'flink-operator';

/**
 * Labels and annotations that let a later `helm install` of the chart, as the docs name it, into
 * this namespace adopt these objects instead of failing with "exists and cannot be imported into
 * the current release". A release installed elsewhere (other name, or another release namespace
 * with this one in watchNamespaces) still conflicts; Helm allows only one owner.
 */
function adoptableBy(namespace: string): k8s.V1ObjectMeta {
  return {
    labels: { 'app.kubernetes.io/managed-by': 'Helm' },
    annotations: {
      'meta.helm.sh/release-name': CHART_RELEASE_NAME,
      'meta.helm.sh/release-namespace': namespace,
      // As the chart has it: uninstalling the operator leaves running Flink pods their account.
      'helm.sh/resource-policy': 'keep',
    },
  };
}

/**
 * The service account Flink pods run as in a namespace of the local cluster, as the Helm chart
 * makes it: native JobManagers create and delete their TaskManager pods and ConfigMaps (for HA).
 * Objects that exist already are left alone, except that ones nobody manages (made by an older
 * version) get the marks that let Helm adopt them.
 */
export async function ensureFlinkServiceAccount(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const marks = adoptableBy(namespace);
  const ensure = async (
    create: () => Promise<unknown>,
    read: () => Promise<{ metadata?: k8s.V1ObjectMeta }>,
    patch: (body: object) => Promise<unknown>,
  ): Promise<void> => {
    try {
      await create();
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    const existing = await read();
    if (existing.metadata?.labels?.['app.kubernetes.io/managed-by'] !== undefined) return;
    await patch({ metadata: marks });
  };
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

  await ensure(
    () =>
      core.createNamespacedServiceAccount({
        namespace,
        body: { metadata: { name: FLINK_SERVICE_ACCOUNT, ...marks } },
      }),
    () => core.readNamespacedServiceAccount({ namespace, name: FLINK_SERVICE_ACCOUNT }),
    (body) => core.patchNamespacedServiceAccount({ namespace, name: FLINK_SERVICE_ACCOUNT, body }, merge),
  );
  await ensure(
    () =>
      rbac.createNamespacedRole({
        namespace,
        body: {
          metadata: { name: FLINK_ROLE, ...marks },
          rules: [
            { apiGroups: [''], resources: ['pods', 'configmaps', 'services'], verbs: ['*'] },
            { apiGroups: ['apps'], resources: ['deployments', 'deployments/finalizers'], verbs: ['*'] },
          ],
        },
      }),
    () => rbac.readNamespacedRole({ namespace, name: FLINK_ROLE }),
    (body) => rbac.patchNamespacedRole({ namespace, name: FLINK_ROLE, body }, merge),
  );
  await ensure(
    () =>
      rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: FLINK_ROLE_BINDING, ...marks },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FLINK_ROLE },
          subjects: [{ kind: 'ServiceAccount', name: FLINK_SERVICE_ACCOUNT, namespace }],
        },
      }),
    () => rbac.readNamespacedRoleBinding({ namespace, name: FLINK_ROLE_BINDING }),
    (body) => rbac.patchNamespacedRoleBinding({ namespace, name: FLINK_ROLE_BINDING, body }, merge),
  );
}
