/**
 * Where the API server is and how to authenticate to it: in-cluster service account, a kubeconfig
 * file (or the `KUBECONFIG` list), with client certificates, bearer tokens (static, from a file,
 * or from an exec credential plugin) and basic auth.
 *
 * Why our own loader: `@kubernetes/client-node`'s KubeConfig imports the library's whole generated
 * API, which costs the operator process about 70 MiB of resident memory for a few hundred lines of
 * logic. The subset here is what an operator needs; legacy `auth-provider` plugins (removed from
 * kubectl too) and `proxy-url` are refused with a clear message instead of being half supported.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The part of a kubeconfig the API client needs; @kubernetes/client-node's KubeConfig has it too. */
export interface KubeConfigLike {
  getCurrentCluster(): { server: string; proxyUrl?: string | undefined } | null;
  getCurrentContext(): string;
  getContextObject(name: string): { namespace?: string | undefined } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
  /** Forget cached credentials (after a 401), so the next request obtains new ones. */
  invalidateCredentials?(): void;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A bound service account token is rotated by the kubelet; re-read it at most this often. */
const TOKEN_FILE_TTL_MS = 60_000;
/** Renew exec credentials this long before they expire. */
const EXEC_EXPIRY_MARGIN_MS = 30_000;
const EXEC_TIMEOUT_MS = 60_000;

export interface ClusterEntry {
  server: string;
  ca?: Buffer;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  provideClusterInfo: boolean;
  installHint?: string;
}

export interface UserEntry {
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  /** `as`, `as-uid`, `as-groups`, `as-user-extra`: act as this identity (impersonation headers). */
  impersonate?: { user?: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
}

interface ExecCredential {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** When to run the plugin again (ms since epoch); never when undefined. */
  renewAt?: number;
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export class KubeConfig implements KubeConfigLike {
  private tokenFromFile: { value: string; readAt: number } | undefined;
  private execCredential: ExecCredential | undefined;
  private execRunning: Promise<ExecCredential> | undefined;

  constructor(
    readonly contextName: string,
    readonly cluster: ClusterEntry,
    readonly user: UserEntry,
    readonly namespace: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** `--kubeconfig FILE` when given, else the default chain (`loadDefault`), as kubectl chooses. */
  static load(file?: string): KubeConfig {
    return file ? KubeConfig.loadFiles([file]) : KubeConfig.loadDefault();
  }

  /**
   * The process's own cluster, in the order controllers conventionally look: the `KUBECONFIG`
   * files, the service account of the pod it runs in, then `~/.kube/config`.
   */
  static loadDefault(
    env: NodeJS.ProcessEnv = process.env,
    serviceAccountDir = SERVICE_ACCOUNT_DIR,
  ): KubeConfig {
    const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== '');
    if (list.length > 0) return KubeConfig.loadFiles(list);
    if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(path.join(serviceAccountDir, 'token'))) {
      return KubeConfig.loadInCluster(env, serviceAccountDir);
    }
    const home = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
    if (fs.existsSync(home)) return KubeConfig.loadFiles([home]);
    throw new KubeConfigError(
      'no Kubernetes configuration found: set KUBECONFIG, pass --kubeconfig, run in a pod with a service account, or create ~/.kube/config',
    );
  }

  /** The pod's service account: API server from the Service environment, token rotated by the kubelet. */
  static loadInCluster(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConfig {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw new KubeConfigError('not in a cluster: KUBERNETES_SERVICE_HOST is not set');
    const caFile = path.join(dir, 'ca.crt');
    const namespaceFile = path.join(dir, 'namespace');
    return new KubeConfig(
      'in-cluster',
      {
        server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        ...(fs.existsSync(caFile) ? { ca: fs.readFileSync(caFile) } : {}),
      },
      { tokenFile: path.join(dir, 'token') },
      fs.existsSync(namespaceFile) ? fs.readFileSync(namespaceFile, 'utf8').trim() : undefined,
    );
  }

  /**
   * One kubeconfig file, or several merged as kubectl merges `KUBECONFIG`: the first file that
   * sets `current-context` wins, and so does the first definition of each named entry.
   */
  static loadFiles(files: string[]): KubeConfig {
    // Entries are parsed only once chosen: a broken entry that the current context does not use
    // must not stop the operator, as it does not stop kubectl.
    type Entry = { body: Record<string, unknown>; dir: string };
    const merged = {
      currentContext: undefined as string | undefined,
      contexts: new Map<string, Record<string, unknown>>(),
      clusters: new Map<string, Entry>(),
      users: new Map<string, Entry>(),
    };
    for (const file of files) {
      if (!fs.existsSync(file)) {
        if (files.length === 1) throw new KubeConfigError(`kubeconfig ${file} does not exist`);
        continue; // kubectl skips missing files of a KUBECONFIG list
      }
      const doc = readDocument(file);
      merged.currentContext ??= stringField(doc['current-context']) || undefined;
      const dir = path.dirname(path.resolve(file));
      for (const entry of namedEntries(doc, 'contexts', file)) {
        if (!merged.contexts.has(entry.name)) merged.contexts.set(entry.name, entry.body);
      }
      for (const entry of namedEntries(doc, 'clusters', file)) {
        if (!merged.clusters.has(entry.name)) merged.clusters.set(entry.name, { body: entry.body, dir });
      }
      for (const entry of namedEntries(doc, 'users', file)) {
        if (!merged.users.has(entry.name)) merged.users.set(entry.name, { body: entry.body, dir });
      }
    }
    const where = files.join(path.delimiter);
    const contextName = merged.currentContext;
    if (!contextName) throw new KubeConfigError(`kubeconfig ${where} has no current-context`);
    const context = merged.contexts.get(contextName);
    if (!context) throw new KubeConfigError(`kubeconfig ${where}: context "${contextName}" is not defined`);
    const clusterName = stringField(context.cluster);
    const clusterRef = merged.clusters.get(clusterName);
    if (!clusterRef)
      throw new KubeConfigError(
        `kubeconfig ${where}: cluster "${clusterName}" of context "${contextName}" is not defined`,
      );
    const userName = stringField(context.user);
    const userRef = merged.users.get(userName);
    if (userName && !userRef)
      throw new KubeConfigError(
        `kubeconfig ${where}: user "${userName}" of context "${contextName}" is not defined`,
      );
    const cluster = parseCluster(clusterRef.body, clusterRef.dir, clusterName);
    const user = userRef ? parseUser(userRef.body, userRef.dir, userName) : {};
    return new KubeConfig(contextName, cluster, user, stringField(context.namespace) || undefined);
  }

  getCurrentCluster(): { server: string } {
    return { server: this.cluster.server };
  }

  getCurrentContext(): string {
    return this.contextName;
  }

  getContextObject(name: string): { namespace?: string } | null {
    if (name !== this.contextName) return null;
    return this.namespace ? { namespace: this.namespace } : {};
  }

  /** Adds the TLS material and credentials of the current context to a request's options. */
  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const { cluster, user } = this;
    if (cluster.ca) options.ca = cluster.ca;
    options.rejectUnauthorized = !cluster.insecureSkipTlsVerify;
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    if (user.cert && user.key) {
      options.cert = user.cert;
      options.key = user.key;
    }
    const headers = (options.headers ??= {}) as Record<string, string | number | string[]>;
    const token = await this.bearerToken(options);
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (user.username !== undefined && user.password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    }
    const as = user.impersonate;
    if (as) {
      if (as.user) headers['Impersonate-User'] = as.user;
      if (as.uid) headers['Impersonate-Uid'] = as.uid;
      if (as.groups.length > 0) headers['Impersonate-Group'] = as.groups;
      for (const [key, values] of Object.entries(as.extra)) {
        headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
      }
    }
  }

  invalidateCredentials(): void {
    this.execCredential = undefined;
    this.tokenFromFile = undefined;
  }

  private async bearerToken(options: https.RequestOptions): Promise<string | undefined> {
    const { user } = this;
    if (user.token) return user.token;
    if (user.tokenFile) return this.readTokenFile(user.tokenFile);
    if (user.exec) {
      const credential = await this.execCredentials(user.exec);
      if (credential.cert && credential.key) {
        options.cert = credential.cert;
        options.key = credential.key;
      }
      return credential.token;
    }
    return undefined;
  }

  private readTokenFile(file: string): string {
    const now = this.now();
    if (!this.tokenFromFile || now - this.tokenFromFile.readAt >= TOKEN_FILE_TTL_MS) {
      try {
        this.tokenFromFile = { value: fs.readFileSync(file, 'utf8').trim(), readAt: now };
      } catch (err) {
        // Keep the last token while the file is briefly missing (the kubelet swaps it atomically).
        if (!this.tokenFromFile)
          throw new KubeConfigError(`cannot read token file ${file}: ${(err as Error).message}`);
      }
    }
    return this.tokenFromFile!.value;
  }

  private async execCredentials(exec: ExecConfig): Promise<ExecCredential> {
    const cached = this.execCredential;
    if (cached && (cached.renewAt === undefined || this.now() < cached.renewAt)) return cached;
    // Concurrent requests share one plugin run.
    this.execRunning ??= runExecPlugin(exec, this.cluster, this.now()).finally(() => {
      this.execRunning = undefined;
    });
    this.execCredential = await this.execRunning;
    return this.execCredential;
  }
}

function readDocument(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new KubeConfigError(`kubeconfig ${file} is not a mapping`);
  return doc as Record<string, unknown>;
}

function namedEntries(
  doc: Record<string, unknown>,
  listKey: 'contexts' | 'clusters' | 'users',
  file: string,
): { name: string; body: Record<string, unknown> }[] {
  const list = doc[listKey] ?? [];
  if (!Array.isArray(list)) throw new KubeConfigError(`kubeconfig ${file}: ${listKey} is not a list`);
  const bodyKey = listKey.slice(0, -1);
  return list.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const entry = item as Record<string, unknown>;
    const body = entry[bodyKey];
    return typeof entry.name === 'string' && typeof body === 'object' && body !== null
      ? [{ name: entry.name, body: body as Record<string, unknown> }]
      : [];
  });
}

function parseCluster(body: Record<string, unknown>, dir: string, name: string): ClusterEntry {
  const server = stringField(body.server);
  if (!server) throw new KubeConfigError(`kubeconfig cluster "${name}" has no server`);
  if (body['proxy-url']) {
    throw new KubeConfigError(
      `kubeconfig cluster "${name}": proxy-url is not supported; reach the API server directly`,
    );
  }
  const ca = material(body, 'certificate-authority', dir);
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(body['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(stringField(body['tls-server-name']) ? { tlsServerName: stringField(body['tls-server-name']) } : {}),
  };
}

function parseUser(body: Record<string, unknown>, dir: string, name: string): UserEntry {
  if (body['auth-provider']) {
    const provider = stringField((body['auth-provider'] as Record<string, unknown>).name) || 'unknown';
    throw new KubeConfigError(
      `kubeconfig user "${name}": auth-provider "${provider}" is not supported; use an exec credential plugin`,
    );
  }
  const cert = material(body, 'client-certificate', dir);
  const key = material(body, 'client-key', dir);
  const tokenFile = stringField(body.tokenFile);
  const user: UserEntry = {
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(stringField(body.token) ? { token: stringField(body.token) } : {}),
    ...(tokenFile ? { tokenFile: path.resolve(dir, tokenFile) } : {}),
    ...(typeof body.username === 'string' ? { username: body.username } : {}),
    ...(typeof body.password === 'string' ? { password: body.password } : {}),
  };
  if (body.exec && typeof body.exec === 'object')
    user.exec = parseExec(body.exec as Record<string, unknown>, dir, name);
  const groups = Array.isArray(body['as-groups']) ? body['as-groups'].map(String) : [];
  const extraBody = body['as-user-extra'];
  const extra: Record<string, string[]> = {};
  if (extraBody && typeof extraBody === 'object') {
    for (const [k, v] of Object.entries(extraBody as Record<string, unknown>)) {
      extra[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
  }
  if (
    stringField(body.as) ||
    stringField(body['as-uid']) ||
    groups.length > 0 ||
    Object.keys(extra).length > 0
  ) {
    user.impersonate = {
      ...(stringField(body.as) ? { user: stringField(body.as) } : {}),
      ...(stringField(body['as-uid']) ? { uid: stringField(body['as-uid']) } : {}),
      groups,
      extra,
    };
  }
  return user;
}

function parseExec(exec: Record<string, unknown>, dir: string, name: string): ExecConfig {
  const command = stringField(exec.command);
  if (!command) throw new KubeConfigError(`kubeconfig user "${name}": exec has no command`);
  // A command with a path separator is relative to the kubeconfig file, as kubectl resolves it.
  const resolved = command.includes('/') && !path.isAbsolute(command) ? path.resolve(dir, command) : command;
  if (exec.interactiveMode === 'Always') {
    throw new KubeConfigError(
      `kubeconfig user "${name}": exec plugin ${command} needs a terminal (interactiveMode: Always); the operator has none`,
    );
  }
  const env = Array.isArray(exec.env) ? (exec.env as Record<string, unknown>[]) : [];
  return {
    apiVersion: stringField(exec.apiVersion) || 'client.authentication.k8s.io/v1',
    command: resolved,
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env: env.map((e) => ({ name: stringField(e.name), value: stringField(e.value) })),
    provideClusterInfo: exec.provideClusterInfo === true,
    ...(stringField(exec.installHint) ? { installHint: stringField(exec.installHint) } : {}),
  };
}

/** `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig's folder). */
function material(body: Record<string, unknown>, field: string, dir: string): Buffer | undefined {
  const data = stringField(body[`${field}-data`]);
  if (data) return Buffer.from(data, 'base64');
  const file = stringField(body[field]);
  if (!file) return undefined;
  const full = path.resolve(dir, file);
  try {
    return fs.readFileSync(full);
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${field} ${full}: ${(err as Error).message}`);
  }
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Renew a margin before expiry; a credential handed out already inside the margin (a plugin serving
 * its cache until the last moment) is used for half its remaining life, not re-fetched per request.
 */
function renewalTime(expires: number, now: number): number {
  return Math.max(expires - EXEC_EXPIRY_MARGIN_MS, now + (expires - now) / 2);
}

async function runExecPlugin(exec: ExecConfig, cluster: ClusterEntry, now: number): Promise<ExecCredential> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of exec.env) env[e.name] = e.value;
  const request = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo
        ? {
            cluster: {
              server: cluster.server,
              ...(cluster.ca ? { 'certificate-authority-data': cluster.ca.toString('base64') } : {}),
              ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
              ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
            },
          }
        : {}),
    },
  };
  env.KUBERNETES_EXEC_INFO = JSON.stringify(request);
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      exec.command,
      exec.args,
      { env, timeout: EXEC_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (err, out, stderr) => {
        if (!err) return resolve(out);
        const hint =
          (err as NodeJS.ErrnoException).code === 'ENOENT' && exec.installHint ? `\n${exec.installHint}` : '';
        reject(
          new KubeConfigError(
            `exec credential plugin ${exec.command} failed: ${stderr.trim() || err.message}${hint}`,
          ),
        );
      },
    );
    // No terminal here: a plugin that asks for input must fail at once, not wait for the timeout.
    child.stdin?.end();
  });
  let parsed: { status?: Record<string, unknown> };
  try {
    parsed = JSON.parse(stdout) as { status?: Record<string, unknown> };
  } catch {
    throw new KubeConfigError(`exec credential plugin ${exec.command} printed no ExecCredential JSON`);
  }
  const status = parsed.status ?? {};
  const token = stringField(status.token);
  const cert = stringField(status.clientCertificateData);
  const key = stringField(status.clientKeyData);
  if (!token && !(cert && key)) {
    throw new KubeConfigError(
      `exec credential plugin ${exec.command} returned neither a token nor a client certificate`,
    );
  }
  const expires = Date.parse(stringField(status.expirationTimestamp));
  return {
    ...(token ? { token } : {}),
    ...(cert && key ? { cert: Buffer.from(cert), key: Buffer.from(key) } : {}),
    ...(Number.isFinite(expires) ? { renewAt: renewalTime(expires, now) } : {}),
  };
}
