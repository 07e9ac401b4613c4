import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, issue } from '../certs.ts';

/** Finds the log file of a container, or undefined when the agent never ran it. */
export type LogLocator = (namespace: string, pod: string, container: string) => string | undefined;

/**
 * The slice of the kubelet API that `kubectl logs` uses: the API server proxies
 * GET /containerLogs/{namespace}/{pod}/{container} to the node, which streams the log file.
 */
export async function startLogsServer(
  locate: LogLocator,
): Promise<{ port: number; close: () => Promise<void> }> {
  const ca = await createCa('local-node-agent');
  const serving = await issue(ca, { commonName: 'local-node', usage: 'server', ipAddresses: ['127.0.0.1'] });
  const server = https.createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
