/** `spec.ingress.template`: a URL pattern with `{{name}}` and `{{namespace}}` placeholders. */
import type { ErrorList } from './errors.ts';
import { isRecord } from './errors.ts';

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
  }
}
