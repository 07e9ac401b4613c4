/** `spec.ingress.template`: a URL pattern with `{{name}}` and `{{namespace}}` placeholders. */
import type { ErrorList } from './errors.ts';
import { isRecord } from './errors.ts';
import { ingressUrl } from '../ingress-url.ts';

/** What an Ingress rule's host may be: a lower-case DNS subdomain, optionally a `*.` wildcard. */
const INGRESS_HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkIngress(errors: ErrorList, ingress: unknown, name: string, namespace: string): void {
  if (ingress === undefined || ingress === null) return;
  const template = isRecord(ingress) ? ingress.template : undefined;
  if (typeof template !== 'string') {
    errors.add('spec.ingress.template', 'Ingress template must be defined');
    return;
  }
  const withProtocol = /^https?:\/\//i.test(template) ? template : `http://${template}`;
  const url = withProtocol.replace(/\{\{name\}\}/gi, name).replace(/\{\{namespace\}\}/gi, namespace);
  try {
    new URL(url);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    errors.add(
      'spec.ingress.template',
      `Unable to process the Ingress template(${template}). Error: ${reason}`,
    );
    return;
  }
  const { host } = ingressUrl(template, name, namespace);
  if (host !== '' && (host.length > 253 || !INGRESS_HOST.test(host))) {
    errors.add(
      'spec.ingress.template',
      `Unable to process the Ingress template(${template}). Error: host ${host} is not a valid DNS name`,
    );
  }
}
