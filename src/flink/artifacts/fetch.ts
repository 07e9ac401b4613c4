/**
 * Fetching a session job's jar (`spec.job.jarURI`) to a local file the operator can upload to the
 * session cluster. Local paths (`file:`, `local:` or a bare absolute path) are used where they are;
 * http(s) URLs are downloaded; other schemes go to fetchers registered for them.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactUri } from '../../runtime/redact.ts';
import {
  ArtifactFetchError,
  schemeOf,
  type ArtifactFetcher,
  type FetchRequest,
  type FetchedArtifact,
} from './artifact.ts';
import { downloadHttp } from './http-download.ts';

export * from './artifact.ts';
export { HostPolicy } from '../../api/validation/host-policy.ts';
export { DEFAULT_DOWNLOAD_LIMITS, type DownloadLimits } from './http-download.ts';

export const fetchLocal: ArtifactFetcher = async ({ uri }) => {
  const scheme = schemeOf(uri);
  let file: string;
  if (scheme === 'file') file = fileURLToPath(uri);
  else if (scheme === 'local') file = decodeURIComponent(new URL(uri).pathname);
  else if (scheme === undefined) file = uri;
  else throw new ArtifactFetchError(`not a local path: ${redactUri(uri)}`);
  if (!path.isAbsolute(file)) {
    throw new ArtifactFetchError(`local artifact path must be absolute: ${redactUri(uri)}`);
  }
  const stat = await fsp.stat(file).catch((err: unknown) => {
    throw new ArtifactFetchError(`cannot read artifact ${redactUri(uri)}: ${(err as Error).message}`, {
      cause: err,
    });
  });
  if (!stat.isFile()) throw new ArtifactFetchError(`artifact ${redactUri(uri)} is not a file`);
  return { path: file, temporary: false };
};

/**
 * Downloads an http(s) artifact: resolves each host, refuses restricted addresses (see
 * `HostPolicy`), connects only to the address it checked, follows redirects itself, re-checking
 * every hop, and gives up on a slow or oversized download (see `DownloadLimits`).
 */
export const fetchHttp: ArtifactFetcher = (request) => downloadHttp(request);

/** Fetchers by URI scheme; a bare path counts as scheme `file`. */
export class ArtifactFetchers {
  private readonly byScheme = new Map<string, ArtifactFetcher>([
    ['file', fetchLocal],
    ['local', fetchLocal],
    ['http', fetchHttp],
    ['https', fetchHttp],
  ]);

  register(scheme: string, fetcher: ArtifactFetcher): this {
    this.byScheme.set(scheme.toLowerCase(), fetcher);
    return this;
  }

  async fetch(request: FetchRequest): Promise<FetchedArtifact> {
    const scheme = schemeOf(request.uri) ?? 'file';
    const fetcher = this.byScheme.get(scheme);
    if (!fetcher) {
      throw new ArtifactFetchError(
        `no fetcher for scheme '${scheme}' of ${redactUri(request.uri)} (known: ${[...this.byScheme.keys()].join(', ')})`,
      );
    }
    return fetcher(request);
  }
}

/**
 * The header option's value `name:value,name2:value2` as a map; names and values are trimmed,
 * entries without a colon are ignored.
 */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of (text ?? '').split(',')) {
    const at = entry.indexOf(':');
    if (at <= 0) continue;
    headers[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return headers;
}

/** `<base>/<namespace>/<deploymentName>/<jobName>`: one folder per session job. */
export function artifactDir(baseDir: string, namespace: string, deploymentName: string, jobName: string) {
  return path.join(baseDir, namespace, deploymentName, jobName);
}
