import http from 'node:http';
import { listen } from './metrics.ts';

export interface HealthChecks {
  /** Alive: the process can make progress (no fatal error, watches not failing for long). */
  live: () => { ok: boolean; reason?: string };
  /** Ready: caches are synced. A standby (not leader) is ready too. */
  ready: () => { ok: boolean; reason?: string };
}

/**
 * Liveness and readiness over HTTP. `/` answers like the liveness probe, the path the upstream
 * chart probes; `/healthz` and `/readyz` are the usual Kubernetes names.
 */
export async function startHealthServer(
  checks: HealthChecks,
  port: number,
  host?: string,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const check =
      path === '/' || path === '/healthz' ? checks.live : path === '/readyz' ? checks.ready : undefined;
    if (!check) {
      res.writeHead(404).end();
      return;
    }
    const { ok, reason } = check();
    res
      .writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain;charset=UTF-8' })
      .end(ok ? 'OK' : (reason ?? 'not OK'));
  });
  await listen(server, port, host);
  return server;
}
