/**
 * Fetching a session job's jar (`spec.job.jarURI`) to a local file the operator can upload to the
 * session cluster. Local paths (`file:`, `local:` or a bare absolute path) are used where they are;
 * http(s) URLs are downloaded; other schemes go to fetchers registered for them.
 */
import { createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export interface FetchedArtifact {
  /** A local file holding the artifact. */
  path: string;
  /** True when the file was made for this fetch and should be removed after use. */
  temporary: boolean;
}

export interface FetchRequest {
  uri: string;
  /** A folder of this artifact alone, where downloads go (created when needed). */
  targetDir: string;
  /** HTTP headers for http(s) downloads. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type ArtifactFetcher = (request: FetchRequest) => Promise<FetchedArtifact>;

export class ArtifactFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactFetchError';
  }
}

/** The lower-case URI scheme, or undefined for a bare path. */
export function schemeOf(uri: string): string | undefined {
  return /^([a-zA-Z][a-zA-Z\d+.-]*):/.exec(uri)?.[1]?.toLowerCase();
}

/** The file name a download is saved under: the URL path's last segment, else `artifact.jar`. */
export function artifactFileName(uri: string): string {
  let pathname = uri;
  try {
    pathname = new URL(uri).pathname;
  } catch {
    // not a URL: use the text as a path
  }
  const base = path.posix.basename(decodeURIComponent(pathname));
  return base === '' || base === '/' || base === '.' || base === '..' ? 'artifact.jar' : base;
}

export const fetchLocal: ArtifactFetcher = async ({ uri }) => {
  const scheme = schemeOf(uri);
  let file: string;
  if (scheme === 'file') file = fileURLToPath(uri);
  else if (scheme === 'local') file = decodeURIComponent(new URL(uri).pathname);
  else if (scheme === undefined) file = uri;
  else throw new ArtifactFetchError(`not a local path: ${uri}`);
  if (!path.isAbsolute(file)) throw new ArtifactFetchError(`local artifact path must be absolute: ${uri}`);
  const stat = await fsp.stat(file).catch((err: unknown) => {
    throw new ArtifactFetchError(`cannot read artifact ${uri}: ${(err as Error).message}`, { cause: err });
  });
  if (!stat.isFile()) throw new ArtifactFetchError(`artifact ${uri} is not a file`);
  return { path: file, temporary: false };
};

export const fetchHttp: ArtifactFetcher = async ({ uri, targetDir, headers, signal }) => {
  let response: Response;
  try {
    response = await fetch(uri, { headers, signal, redirect: 'follow' });
  } catch (err) {
    throw new ArtifactFetchError(`cannot download ${uri}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ArtifactFetchError(`cannot download ${uri}: HTTP ${response.status}`);
  }
  await fsp.mkdir(targetDir, { recursive: true });
  const file = path.join(targetDir, artifactFileName(uri));
  const partial = `${file}.part`;
  try {
    // The cast bridges the DOM and node:stream/web ReadableStream types, which are the same object.
    await pipeline(
      Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]),
      createWriteStream(partial),
      { signal },
    );
    await fsp.rename(partial, file);
  } catch (err) {
    await fsp.rm(partial, { force: true });
    throw new ArtifactFetchError(`cannot download ${uri}: ${(err as Error).message}`, { cause: err });
  }
  return { path: file, temporary: true };
};

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
        `no fetcher for scheme '${scheme}' of ${request.uri} (known: ${[...this.byScheme.keys()].join(', ')})`,
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
