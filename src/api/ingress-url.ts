/**
 * Host and path of an Ingress template (`spec.ingress.template`): a URL whose `{{name}}` and
 * `{{namespace}}` are replaced case-insensitively; the scheme, user info and port are dropped.
 * Shared by validation (which checks the host) and the Ingress object built from it.
 */
export interface IngressUrl {
  host: string;
  path: string;
}

/** Host and path of the ingress template for a resource. */
export function ingressUrl(template: string, name: string, namespace: string): IngressUrl {
  const filled = template.replace(/\{\{name\}\}/gi, name).replace(/\{\{namespace\}\}/gi, namespace);
  const withoutScheme = filled.replace(/^https?:\/\//i, '');
  const match = /^([^/?#]*)([^?#]*)/.exec(withoutScheme);
  const authority = match?.[1] ?? '';
  const host = authority.replace(/^.*@/, '').replace(/:\d*$/, '');
  return { host, path: match?.[2] ?? '' };
}
