/**
 * A lightweight stand-in for the JobManager REST API of many clusters: one HTTP listener per pod
 * address (port 8081), answering with responses recorded from a real Flink 2.2 cluster
 * (`fixtures.ts`), with the recorded job ID replaced by the cluster's own. Each cluster runs one
 * job; stop-with-savepoint completes it (FINISHED), cancel cancels it. Counts every request.
 */
import http from 'node:http';
import type { Recording, RecordedResponse } from './fixtures.ts';

type JobState = 'RUNNING' | 'FINISHED' | 'CANCELED';

interface SimulatedCluster {
  /** The application job's ID (from the cluster's configuration); none for a session cluster. */
  jobId?: string;
  state: JobState;
  /** Set by stop-with-savepoint; the next status read completes it. */
  stopping?: boolean;
}

export class FlinkSimulator {
  private readonly servers = new Map<string, http.Server>();
  private readonly clusters = new Map<string, SimulatedCluster>();
  private closed = false;
  requests = 0;

  constructor(
    private readonly recording: Recording,
    private readonly port = 8081,
  ) {}

  /** Serves a cluster on `ip` (idempotent: a restarted pod keeps its address's listener). */
  async serve(ip: string, jobId: string | undefined): Promise<void> {
    // A listener opened after close() would keep the bench process alive.
    if (this.closed) return;
    this.clusters.set(ip, { ...(jobId ? { jobId } : {}), state: 'RUNNING' });
    if (this.servers.has(ip)) return;
    const server = http.createServer((req, res) => this.answer(ip, req, res));
    server.keepAliveTimeout = 60_000;
    this.servers.set(ip, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, ip, () => resolve());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.servers.values()].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
    this.servers.clear();
  }

  private answer(ip: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    req.resume();
    req.on('end', () => {
      const cluster = this.clusters.get(ip);
      const { status, body } = cluster
        ? this.route(cluster, req.method ?? 'GET', req.url ?? '/')
        : { status: 404, body: { errors: ['Not Found'] } };
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(text);
    });
  }

  private route(cluster: SimulatedCluster, method: string, url: string): RecordedResponse {
    const path = url.replace(/^\/v1/, '').split('?')[0]!;
    const r = this.recording.responses;
    const job = /^\/jobs\/([0-9a-f]{32})(\/.*)?$/.exec(path);
    if (method === 'GET' && path === '/config') return r.config!;
    if (method === 'GET' && path === '/overview') return r.overview!;
    if (method === 'GET' && path === '/jobs/overview') {
      if (!cluster.jobId) return { status: 200, body: { jobs: [] } };
      const key =
        cluster.state === 'RUNNING'
          ? 'jobsOverviewRunning'
          : cluster.state === 'FINISHED'
            ? 'jobsOverviewFinished'
            : 'jobsOverviewCanceled';
      return this.forJob(r[key]!, cluster.jobId);
    }
    if (!job || !cluster.jobId || job[1] !== cluster.jobId) return r.jobNotFound!;
    const jobId = cluster.jobId;
    const rest = job[2] ?? '';
    if (method === 'GET' && rest === '') return this.forJob(r.jobDetailsRunning!, jobId, cluster.state);
    if (method === 'GET' && rest === '/exceptions') return this.forJob(r.jobExceptions!, jobId);
    if (method === 'GET' && rest === '/checkpoints') {
      return this.forJob(cluster.state === 'RUNNING' ? r.checkpointsRunning! : r.checkpointsFinished!, jobId);
    }
    if (method === 'PATCH' && rest === '') {
      cluster.state = 'CANCELED';
      return r.cancel!;
    }
    if (method === 'POST' && (rest === '/stop' || rest === '/savepoints')) {
      cluster.stopping = rest === '/stop';
      return r.stopWithSavepoint!;
    }
    if (method === 'GET' && rest.startsWith('/savepoints/')) {
      if (cluster.stopping) cluster.state = 'FINISHED';
      return this.forJob(r.savepointCompleted!, jobId);
    }
    return { status: 404, body: { errors: [`Not found: ${path}`] } };
  }

  /** The recorded response with the recorded job's ID (and state) replaced by this cluster's. */
  private forJob(response: RecordedResponse, jobId: string, state?: JobState): RecordedResponse {
    let text = JSON.stringify(response.body);
    for (const recorded of Object.values(this.recording.jobIds)) text = text.replaceAll(recorded, jobId);
    const body = JSON.parse(text) as Record<string, unknown>;
    if (state) body.state = state;
    return { status: response.status, body };
  }
}
