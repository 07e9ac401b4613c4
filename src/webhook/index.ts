/**
 * The admission webhook in the operator process: validation and defaulting of the
 * flink.apache.org kinds over TLS, with a self-signed certificate the operator keeps in a Secret,
 * renews before it expires and publishes as the caBundle of its webhook configurations.
 */
import { FLINK_DEPLOYMENTS } from '../controllers/sessionjob/session.ts';
import { JobOptions } from '../controllers/common/options.ts';
import { isNotFound, type KubeClient, type Logger, type OperatorConfig } from '../runtime/index.ts';
import { mutate, validate, type AdmissionRequest } from './admission.ts';
import {
  MUTATING_WEBHOOK_CONFIGURATIONS,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
  patchCaBundle,
} from './ca-bundle.ts';
import { ensureCertificates, type CertificatePolicy, type StoredCertificates } from './cert-store.ts';
import { WebhookOptions } from './options.ts';
import { startAdmissionServer, type AdmissionServer } from './server.ts';
import { ALL_OPTIONS } from '../options.ts';

export { WebhookOptions } from './options.ts';

export interface WebhookOptionsInput {
  client: KubeClient;
  /** The current operator configuration (read on every request, so reloads apply). */
  config: () => OperatorConfig;
  /** The namespace of the certificate Secret and of the webhook Service. */
  namespace: string;
  log: Logger;
  /** Override the configured port (0 picks a free one; tests) and bind address. */
  port?: number;
  host?: string;
}

export interface RunningWebhook {
  readonly port: number;
  /** The CA bundle the webhook configurations must trust. */
  readonly caBundle: string;
  /** Re-reads the certificate Secret (renewing when due) and re-publishes the caBundle. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

function certificatePolicy(config: OperatorConfig, namespace: string): CertificatePolicy {
  const service = config.get(WebhookOptions.serviceName);
  return {
    namespace,
    secretName: config.get(WebhookOptions.certificateSecret),
    dnsNames: [
      service,
      `${service}.${namespace}`,
      `${service}.${namespace}.svc`,
      `${service}.${namespace}.svc.cluster.local`,
      'localhost',
    ],
    ipAddresses: ['127.0.0.1'],
    validityMs: config.get(WebhookOptions.certificateValidity),
    renewBeforeMs: config.get(WebhookOptions.certificateRenewBefore),
  };
}

export async function startWebhook(opts: WebhookOptionsInput): Promise<RunningWebhook> {
  const { client, log, namespace } = opts;
  const initial = opts.config();
  let certs: StoredCertificates = await ensureCertificates(client, certificatePolicy(initial, namespace));

  const publish = async () => {
    const config = opts.config();
    for (const [type, name] of [
      [VALIDATING_WEBHOOK_CONFIGURATIONS, config.get(WebhookOptions.validatingConfiguration)],
      [MUTATING_WEBHOOK_CONFIGURATIONS, config.get(WebhookOptions.mutatingConfiguration)],
    ] as const) {
      if (!name) continue;
      const found = await patchCaBundle(client, type, name, certs.caBundle);
      if (!found)
        log.warn({ kind: type.kind, name }, 'webhook configuration not found; its caBundle is not set');
    }
  };

  const server: AdmissionServer = await startAdmissionServer({
    handlers: {
      validate: (req: AdmissionRequest) => {
        const config = opts.config();
        return validate(req, {
          operatorConfig: {
            defaultFlinkConfiguration: Object.fromEntries(config.entries()),
            operatorOptions: ALL_OPTIONS,
            jarUriAllowedSchemes: config.get(JobOptions.artifactsAllowedSchemes),
            jarUriDisallowRestrictedHosts: config.get(JobOptions.artifactsDisallowRestrictedHosts),
            jarUriAllowedRestrictedHosts: config.get(JobOptions.artifactsAllowedRestrictedHosts),
          },
          sessionDeployment: async (ns, name) => {
            try {
              return await client.get(FLINK_DEPLOYMENTS, ns, name);
            } catch (err) {
              if (isNotFound(err)) return undefined;
              throw err;
            }
          },
        });
      },
      mutate,
    },
    tls: certs,
    port: opts.port ?? initial.get(WebhookOptions.port),
    host: opts.host ?? initial.get(WebhookOptions.bindAddress),
    log,
  });
  await publish();
  log.info({ port: server.port }, 'admission webhook serving');

  const refresh = async () => {
    const next = await ensureCertificates(client, certificatePolicy(opts.config(), namespace));
    if (next.cert !== certs.cert) {
      log.info('webhook certificate renewed');
      certs = next;
      server.setCertificate(certs);
    }
    await publish();
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      refresh()
        .catch((err: unknown) => log.error({ err }, 'webhook certificate check failed'))
        .finally(schedule);
    }, opts.config().get(WebhookOptions.certificateCheckInterval));
    timer.unref();
  };
  schedule();

  return {
    port: server.port,
    get caBundle() {
      return certs.caBundle;
    },
    refresh,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await server.close();
    },
  };
}
