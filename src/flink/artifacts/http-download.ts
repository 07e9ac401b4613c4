/**
 * An http(s) download of a session job's jar that a hostile or slow server cannot abuse: every
 * host is resolved and each address judged by the host policy before connecting, the connection
 * is pinned to the address that was judged (a second DNS answer cannot swap it), redirects are
 * followed here, a bounded number of times, each hop judged again, and connecting, waiting for
 * data, the whole download and its size are all bounded. A failed download leaves no file.
 */
import dns from 'node:dns/promises';
import { createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HostPolicy, bareHost, effectivePort } from '../../api/validation/host-policy.ts';
import { redactUri } from '../../runtime/redact.ts';
import { ArtifactFetchError, artifactFileName, type FetchRequest, type FetchedArtifact } from './artifact.ts';

export interface DownloadLimits {
  /** Resolving the host, connecting and the TLS handshake, per hop. */
  connectTimeoutMs: number;
  /** Longest wait for the next bytes (response headers or body). */
  readTimeoutMs: number;
  /** The whole download, redirects included. */
  totalTimeoutMs: number;
  /** Largest artifact accepted, in bytes. */
  maxBytes: number;
  maxRedirects: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  connectTimeoutMs: 10_000,
  readTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
  maxBytes: 512 * 1024 * 1024,
  maxRedirects: 5,
};

const seconds = (ms: number) => `${ms / 1000} s`;

/** The address a host may be connected to, after resolving it and judging every answer. */
async function checkedAddress(
  url: URL,
  policy: HostPolicy,
  connectTimeoutMs: number,
): Promise<{ address: string; family: number }> {
  const host = bareHost(url.hostname);
  const port = effectivePort(url);
  const nameProblem = policy.nameProblem({ host, port });
  if (nameProblem) throw new ArtifactFetchError(nameProblem);
  let answers: { address: string; family: number }[];
  if (net.isIP(host)) answers = [{ address: host, family: net.isIPv6(host) ? 6 : 4 }];
  else {
    let timer: NodeJS.Timeout | undefined;
    answers = await Promise.race([
      dns.lookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new ArtifactFetchError(`cannot resolve '${host}' within ${seconds(connectTimeoutMs)}`)),
          connectTimeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }
  // Every answer is judged: a name that also resolves inside the cluster is refused whole.
  for (const { address } of answers) {
    const problem = policy.addressProblem({ host, port, address });
    if (problem) throw new ArtifactFetchError(problem);
  }
  const first = answers[0];
  if (!first) throw new ArtifactFetchError(`'${host}' has no address`);
  return first;
}

/** A `lookup` that answers only the checked address, so the socket connects where the policy looked. */
function pinnedLookup(address: string, family: number): net.LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, list: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };
}

interface Hop {
  url: URL;
  headers: Record<string, string>;
}

/** Sends one request and resolves to its response, with connect and idle-read bounds in place. */
function requestOnce(
  hop: Hop,
  target: { address: string; family: number },
  limits: DownloadLimits,
  signal: AbortSignal,
  policy: HostPolicy,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = hop.url.protocol === 'https:';
    const client = secure ? https : http;
    const req = client.request(hop.url, {
      headers: hop.headers,
      signal,
      agent: false,
      lookup: pinnedLookup(target.address, target.family),
    });
    let response: IncomingMessage | undefined;
    // After the headers arrived the body stream is what must fail, with the reason.
    const fail = (err: Error) => (response ?? req).destroy(err);
    const connectTimer = setTimeout(
      () => fail(new ArtifactFetchError(`no connection within ${seconds(limits.connectTimeoutMs)}`)),
      limits.connectTimeoutMs,
    );
    req.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        // What was actually connected to, judged once more.
        const remote = socket.remoteAddress;
        const problem =
          remote === undefined
            ? 'the connection has no remote address'
            : policy.addressProblem({
                host: hop.url.hostname,
                port: effectivePort(hop.url),
                address: remote,
              });
        if (problem) fail(new ArtifactFetchError(problem));
      });
      socket.setTimeout(limits.readTimeoutMs, () =>
        fail(new ArtifactFetchError(`no data for ${seconds(limits.readTimeoutMs)}`)),
      );
    });
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      response = res;
      resolve(res);
    });
    req.once('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.once('close', () => clearTimeout(connectTimer));
    req.end();
  });
}

/** Counts bytes through, failing once more than `max` passed. */
function sizeLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new ArtifactFetchError(`larger than the limit of ${max} bytes`));
      else callback(null, chunk);
    },
  });
}

export async function downloadHttp(request: FetchRequest): Promise<FetchedArtifact> {
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS, ...request.limits };
  const policy = request.hostPolicy ?? new HostPolicy();
  const schemes = request.allowedSchemes ?? ['http', 'https'];
  const shown = redactUri(request.uri);
  const total = AbortSignal.timeout(limits.totalTimeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, total]) : total;
  const failed = (err: unknown): ArtifactFetchError => {
    const reason =
      total.aborted && !request.signal?.aborted
        ? `not finished within ${seconds(limits.totalTimeoutMs)}`
        : err instanceof Error
          ? err.message
          : String(err);
    return new ArtifactFetchError(`cannot download ${shown}: ${reason}`, { cause: err });
  };

  let hop: Hop = { url: new URL(request.uri), headers: { ...request.headers } };
  let response: IncomingMessage | undefined;
  try {
    for (let redirects = 0; ; redirects++) {
      const target = await checkedAddress(hop.url, policy, limits.connectTimeoutMs);
      signal.throwIfAborted();
      const res = await requestOnce(hop, target, limits, signal, policy);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.destroy();
        if (redirects >= limits.maxRedirects)
          throw new ArtifactFetchError(`more than ${limits.maxRedirects} redirects`);
        const next = new URL(location, hop.url);
        const scheme = next.protocol.replace(/:$/, '');
        if (!['http', 'https'].includes(scheme) || !schemes.includes(scheme)) {
          throw new ArtifactFetchError(`redirected to the scheme '${scheme}', which is not allowed`);
        }
        // Credentials configured for the first host are not handed to another one.
        const headers = next.origin === hop.url.origin ? hop.headers : {};
        hop = { url: next, headers };
        continue;
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        throw new ArtifactFetchError(`HTTP ${status}`);
      }
      response = res;
      break;
    }
  } catch (err) {
    throw failed(err);
  }

  const length = Number(response.headers['content-length']);
  if (Number.isFinite(length) && length > limits.maxBytes) {
    response.destroy();
    throw failed(
      new ArtifactFetchError(`${length} bytes, larger than the limit of ${limits.maxBytes} bytes`),
    );
  }
  const file = path.join(request.targetDir, artifactFileName(request.uri));
  const partial = `${file}.part`;
  try {
    await fsp.mkdir(request.targetDir, { recursive: true });
    await pipeline(response, sizeLimit(limits.maxBytes), createWriteStream(partial), { signal });
    await fsp.rename(partial, file);
  } catch (err) {
    response.destroy();
    await fsp.rm(partial, { force: true });
    throw failed(err);
  }
  return { path: file, temporary: true };
}
