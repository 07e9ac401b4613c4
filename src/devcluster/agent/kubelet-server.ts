import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createCa, issue } from '../certs.ts';
import { EXEC_PROTOCOL, parseExecRequest, serveExec, type ExecTarget } from './exec.ts';
import {
  acceptWebSocket,
  isWebSocketUpgrade,
  offeredProtocols,
  rejectUpgrade,
  type WebSocketConnection,
} from './websocket.ts';

/** Finds the log file of a container, or undefined when the agent never ran it. */
export type LogLocator = (namespace: string, pod: string, container: string) => string | undefined;

/** The running container an exec joins, or why there is none. */
export type ExecLocator = (
  namespace: string,
  pod: string,
  container: string,
) => { target: ExecTarget } | { notFound: string };

export interface KubeletServerOptions {
  locateLog: LogLocator;
  locateExec: ExecLocator;
  /** PEM of the CA that signs the API server's kubelet client certificate. */
  clientCa: string;
  /** Common names of the client certificates allowed in (the API server's kubelet client). */
  clientNames: readonly string[];
}

/**
 * The slice of the kubelet API that kubectl uses through the API server's node proxy:
 * GET /containerLogs/{namespace}/{pod}/{container} (`kubectl logs`) and the WebSocket upgrade of
 * /exec/{namespace}/{pod}/{container} (`kubectl exec`). Like a kubelet, it answers only the API
 * server: a client certificate of `clientCa` with one of `clientNames` is required.
 */
export async function startKubeletServer(
  opts: KubeletServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const ca = await createCa('local-node-agent');
  const serving = await issue(ca, { commonName: 'local-node', usage: 'server', ipAddresses: ['127.0.0.1'] });
  const refusal = (req: IncomingMessage): string | undefined => {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return 'a client certificate of the cluster CA is required';
    const name = socket.getPeerCertificate().subject?.CN;
    if (!opts.clientNames.includes(String(name))) return `client "${String(name)}" may not use the node API`;
    return undefined;
  };
  const server = https.createServer(
    { cert: serving.cert, key: serving.key, ca: opts.clientCa, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const refused = refusal(req);
      if (refused) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end(`Unauthorized: ${refused}\n`);
        return;
      }
      serveLogs(opts.locateLog, req, res);
    },
  );
  // Exec sessions, ended with the server: their commands end with their connections.
  const sessions = new Set<WebSocketConnection>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refused = refusal(req);
    if (refused) return rejectUpgrade(socket, 401, `Unauthorized: ${refused}`);
    const exec = parseExecRequest(new URL(req.url ?? '/', 'https://local'));
    if (!exec) return rejectUpgrade(socket, 404, 'the local node agent serves exec only');
    // Checked first: kubectl falls back to SPDY when the WebSocket upgrade fails, and shows that answer.
    const found = opts.locateExec(exec.namespace, exec.pod, exec.container);
    if ('notFound' in found) return rejectUpgrade(socket, 404, found.notFound);
    if (!isWebSocketUpgrade(req) || !offeredProtocols(req).includes(EXEC_PROTOCOL)) {
      return rejectUpgrade(
        socket,
        400,
        `the local node agent serves exec over WebSocket with the subprotocol ${EXEC_PROTOCOL} only (kubectl 1.30 or later)`,
      );
    }
    const conn = acceptWebSocket(req, socket, head, EXEC_PROTOCOL);
    if (!conn) return;
    sessions.add(conn);
    conn.onClose(() => sessions.delete(conn));
    serveExec(conn, exec, found.target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await Promise.all(
        [...sessions].map((conn) => {
          const gone = new Promise<void>((resolve) => conn.onClose(resolve));
          conn.terminate();
          return gone;
        }),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveLogs(locate: LogLocator, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://local');
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const file = match ? locate(match[1]!, match[2]!, match[3]!) : undefined;
  if (!match || !file || !fs.existsSync(file)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('container log not found\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  const text = fs.readFileSync(file, 'utf8');
  const tail = Number(url.searchParams.get('tailLines') ?? '-1');
  res.write(
    tail >= 0
      ? text
          .split('\n')
          .slice(-tail - 1)
          .join('\n')
      : text,
  );
  if (url.searchParams.get('follow') !== 'true') {
    res.end();
    return;
  }
  let offset = Buffer.byteLength(text);
  const timer = setInterval(() => {
    fs.stat(file, (err, stat) => {
      if (err || stat.size <= offset) return;
      const stream = fs.createReadStream(file, { start: offset, end: stat.size - 1 });
      offset = stat.size;
      stream.on('data', (chunk) => res.write(chunk));
    });
  }, 500);
  req.on('close', () => clearInterval(timer));
}
