/**
 * The HTTPS endpoint the API server calls: `POST /validate` and `POST /mutate` take an
 * `admission.k8s.io/v1` AdmissionReview and answer with one. The certificate can be swapped while
 * serving (rotation) without dropping connections.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../runtime/index.ts';
import type { AdmissionRequest, AdmissionResponse } from './admission.ts';

export interface AdmissionHandlers {
  validate(req: AdmissionRequest): Promise<AdmissionResponse>;
  mutate(req: AdmissionRequest): AdmissionResponse;
}

export interface AdmissionServer {
  readonly port: number;
  setCertificate(tls: { cert: string; key: string }): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAdmissionServer(opts: {
  handlers: AdmissionHandlers;
  tls: { cert: string; key: string };
  port: number;
  host: string;
  log: Logger;
}): Promise<AdmissionServer> {
  const { handlers, log } = opts;
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
      return;
    }
    if (req.method !== 'POST' || (path !== '/validate' && path !== '/mutate')) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      try {
        const review = JSON.parse(await readBody(req)) as { apiVersion?: string; request?: AdmissionRequest };
        if (!review.request?.uid) throw new Error('not an AdmissionReview with a request');
        const response =
          path === '/validate' ? await handlers.validate(review.request) : handlers.mutate(review.request);
        log.debug(
          {
            path,
            kind: review.request.kind?.kind,
            operation: review.request.operation,
            allowed: response.allowed,
          },
          'admission review',
        );
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response,
          }),
        );
      } catch (err) {
        log.warn({ err, path }, 'bad admission request');
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end((err as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    setCertificate: (tls) => server.setSecureContext({ cert: tls.cert, key: tls.key }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
