/**
 * The `kubernetes.operator.webhook.*` keys: whether the operator process serves the admission
 * webhook, where, and how it manages its own TLS certificate.
 */
import { operatorOption as o } from '../runtime/index.ts';

export const WebhookOptions = {
  enabled: o.bool('webhook.enabled', false),
  port: o.integer('webhook.port', 9443),
  bindAddress: o.text('webhook.bind-address', '0.0.0.0'),
  serviceName: o.text('webhook.service.name', 'flink-operator-webhook-service'),
  certificateSecret: o.text('webhook.certificate.secret', 'flink-operator-webhook-cert'),
  certificateValidity: o.duration('webhook.certificate.validity', 365 * 86_400_000),
  certificateRenewBefore: o.duration('webhook.certificate.renew-before', 30 * 86_400_000),
  certificateCheckInterval: o.duration('webhook.certificate.check-interval', 3_600_000),
  validatingConfiguration: o.text('webhook.validating-configuration', 'flink-operator-webhook-configuration'),
  mutatingConfiguration: o.text('webhook.mutating-configuration', 'flink-operator-webhook-configuration'),
} as const;
