/** What fetching a session job's jar takes and gives, shared by the fetchers. */
import path from 'node:path';
import type { HostPolicy } from '../../api/validation/host-policy.ts';
import type { DownloadLimits } from './http-download.ts';

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
  /** Bounds of an http(s) download; `DEFAULT_DOWNLOAD_LIMITS` when absent. */
  limits?: Partial<DownloadLimits>;
  /** Which hosts an http(s) download may reach; restricted hosts are refused when absent. */
  hostPolicy?: HostPolicy;
  /** Schemes a redirect may lead to (lower case); http and https when absent. */
  allowedSchemes?: readonly string[];
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
