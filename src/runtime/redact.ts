/**
 * Keeping secrets out of what the operator prints (Events, status errors, logs): configuration
 * values whose key looks sensitive, as Flink hides them in its logs and web UI, and the
 * credentials a URI may carry (`user:password@`, token-like query parameters).
 */

export const HIDDEN = '******';

/** Key fragments (compared without regard to case) that mark a configuration value as secret. */
const SENSITIVE_KEY_PARTS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'api-key',
  'api_key',
  'auth-params',
  'basic-auth',
  'service-key',
  'private-key',
  'credential',
  'jaas.config',
  'fs.azure.account.key',
  'http-headers',
  'http.header',
];

export function isSensitiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SENSITIVE_KEY_PARTS.some((part) => lower.includes(part));
}

/** The value as it may be printed under `key`. */
export function redactValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  return isSensitiveKey(key) ? HIDDEN : redactDeep(value);
}

/**
 * A spec fragment as it may be printed: values under sensitive keys hidden, `{name, value}` pairs
 * (container env, headers) hidden when the name is sensitive, URI credentials removed from strings.
 */
export function redactDeep(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value;
  if (key !== '' && isSensitiveKey(key)) return HIDDEN;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item));
  if (typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const named = (value as { name?: unknown }).name;
  const secretPair = typeof named === 'string' && isSensitiveKey(named);
  return Object.fromEntries(
    entries.map(([k, v]) => [k, secretPair && k === 'value' ? HIDDEN : redactDeep(v, k)]),
  );
}

/** Query parameters that carry credentials (presigned URLs, access tokens). */
const SENSITIVE_QUERY =
  /^(x-amz-(signature|credential|security-token)|x-goog-(signature|credential)|sig|signature|token|access_token|auth|key|apikey|api_key|password|secret)$/i;

/** The URI without its user info and with credential-like query values hidden; other text as is. */
export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return redactText(uri);
  }
  if (!url.username && !url.password && ![...url.searchParams.keys()].some((k) => isSecretParam(k))) {
    return uri;
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (isSecretParam(key)) url.searchParams.set(key, HIDDEN);
  }
  return url.href;
}

const isSecretParam = (name: string) => SENSITIVE_QUERY.test(name) || isSensitiveKey(name);

/** `scheme://user:pass@` or `scheme://token@` inside any text. */
const USERINFO = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#@'"]+@/gi;
/** `name=value` query parts of URLs inside any text. */
const QUERY_PART = /([?&])([^=&\s#'"]+)=([^&\s#'"]*)/g;

/** Text (an error message, an Event) with the credentials of every URI in it removed. */
export function redactText(text: string): string {
  return text
    .replace(USERINFO, '$1')
    .replace(QUERY_PART, (whole, sep: string, name: string, value: string) => {
      if (!isSecretParam(name)) return whole;
      // Punctuation that ends a sentence ("...?token=x: failed") is not part of the value.
      const trailing = /[:,;.)]+$/.exec(value)?.[0] ?? '';
      return `${sep}${name}=${HIDDEN}${trailing}`;
    });
}
