/**
 * The Ingress of `spec.ingress`: its template is a URL whose `{{name}}` and `{{namespace}}` are
 * replaced (case-insensitively); its host becomes the rule's host and its path the rule's path
 * (`flink.example.com/{{namespace}}/{{name}}`, `{{name}}.{{namespace}}.example.com`, or a path
 * only such as `/{{namespace}}/{{name}}(/|$)(.*)`). The backend is the REST Service.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import { ingressUrl } from '../../api/ingress-url.ts';
import type { FlinkDeployment, IngressSpec } from '../../api/index.ts';
import { FLINK_DEFAULTS, KEYS } from '../config/keys.ts';
import { COMPONENT_INGRESS, LABEL_COMPONENT, ingressName, restServiceName } from './names.ts';

export { ingressUrl, type IngressUrl } from '../../api/ingress-url.ts';

export function ingressObject(
  deployment: FlinkDeployment,
  spec: IngressSpec,
  config: Readonly<Record<string, string>>,
): V1Ingress {
  const name = deployment.metadata.name ?? '';
  const namespace = deployment.metadata.namespace ?? 'default';
  const url = ingressUrl(spec.template ?? '', name, namespace);
  const restPort = Number(config[KEYS.restPort] ?? FLINK_DEFAULTS.restPort);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: ingressName(name),
      namespace,
      labels: { ...spec.labels, [LABEL_COMPONENT]: COMPONENT_INGRESS },
      ...(spec.annotations && { annotations: { ...spec.annotations } }),
      ...(deployment.metadata.uid && {
        ownerReferences: [
          {
            apiVersion: deployment.apiVersion,
            kind: deployment.kind,
            name,
            uid: deployment.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      }),
    },
    spec: {
      ...(spec.className && { ingressClassName: spec.className }),
      ...(spec.tls && { tls: spec.tls.map((tls) => ({ ...tls })) }),
      rules: [
        {
          ...(url.host && { host: url.host }),
          http: {
            paths: [
              {
                pathType: 'ImplementationSpecific',
                ...(url.path && { path: url.path }),
                backend: { service: { name: restServiceName(name), port: { number: restPort } } },
              },
            ],
          },
        },
      ],
    },
  };
}
