import * as k8s from '@kubernetes/client-node';

export const FLINK_SERVICE_ACCOUNT = 'flink';

/**
 * The service account Flink pods run as in a namespace of the local cluster, as the Helm chart
 * makes it: native JobManagers create and delete their TaskManager pods and ConfigMaps (for HA).
 */
export async function ensureFlinkServiceAccount(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const ignoreExists = (err: unknown) => {
    if ((err as { code?: number }).code !== 409) throw err;
  };
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name: FLINK_SERVICE_ACCOUNT } } })
    .catch(ignoreExists);
  await rbac
    .createNamespacedRole({
      namespace,
      body: {
        metadata: { name: FLINK_SERVICE_ACCOUNT },
        rules: [
          { apiGroups: [''], resources: ['pods', 'configmaps', 'services'], verbs: ['*'] },
          { apiGroups: ['apps'], resources: ['deployments', 'deployments/finalizers'], verbs: ['*'] },
        ],
      },
    })
    .catch(ignoreExists);
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: FLINK_SERVICE_ACCOUNT },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FLINK_SERVICE_ACCOUNT },
        subjects: [{ kind: 'ServiceAccount', name: FLINK_SERVICE_ACCOUNT, namespace }],
      },
    })
    .catch(ignoreExists);
}
