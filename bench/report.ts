/** Writes the benchmark's results as JSON, a Markdown table and an SVG plot. */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Summary } from './stats.ts';

export interface ScaleResult {
  n: number;
  floor: {
    /** Start of the plain client's writes to its JobManager Deployment appearing in a watch. */
    toDeployment: Summary;
    /** From the first request of the batch of N to each Deployment appearing. */
    fromBatchStart: Summary;
    /** The plain client's write sequence alone. */
    writes: Summary;
    requestsPerCluster: number;
  };
  createToDeployment: Summary;
  /** From the first create request of the batch of N to each JobManager Deployment appearing. */
  createFromBatchStart: Summary;
  specChangeToUpgrade: Summary;
  allRunningAfterMs: number;
  /** Not measured at the largest scale, whose steady state is measured instead. */
  allUpgradedAfterMs?: number;
  operatorRequestsPerClusterToRunning: number;
}

export interface BenchResults {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; kernel: string };
  date: string;
  flinkRest: string;
  startup: { readyMs: number; firstReconcileMs: number; firstDeploymentMs: number; rssMiB: number };
  scales: ScaleResult[];
  scheduled?: { templates: number; tick: string; tickToRun: Summary };
  steady: {
    deployments: number;
    windowSeconds: number;
    reconcileInterval: string;
    cpuPercentOfOneCore: number;
    rssMiB: { median: number; max: number };
    apiRequestsPerMinute: number;
    apiRequestsByKind: Record<string, number>;
    flinkRestRequestsPerMinute: number;
    timeline: { seconds: number; rssMiB: number; cpuPercent: number }[];
  };
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const num = (v: number, digits = 1) => v.toFixed(digits);
const pcts = (s: Summary) => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`;

export function markdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push('# flink-operator benchmark');
  lines.push('');
  lines.push(
    `Run ${r.date} on ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node.js ${r.machine.node}, Linux ${r.machine.kernel}. ` +
      'Local control plane (etcd, kube-apiserver, kube-controller-manager) on the same machine; pods are not run: ' +
      'a simulated node binds them and reports them Ready, and **the JobManager REST API is answered by a simulator ' +
      `serving recorded real Flink responses** (${r.flinkRest}). The operator runs as its own process from the compiled build. ` +
      "API requests are counted in the API server audit log under the operator's own identity.",
  );
  lines.push('');
  lines.push('## Create: FlinkDeployment to JobManager Deployment (p50 / p95 / p99)');
  lines.push('');
  lines.push(
    '| N | floor, per cluster | operator, per resource | ratio p50 | floor, from batch start | operator, from batch start | ratio p50 | API requests per cluster: floor / operator until RUNNING | all RUNNING after |',
  );
  lines.push('| ---: | --- | --- | ---: | --- | --- | ---: | ---: | ---: |');
  for (const s of r.scales) {
    lines.push(
      `| ${s.n} | ${pcts(s.floor.toDeployment)} | ${pcts(s.createToDeployment)} | ${num(s.createToDeployment.p50 / s.floor.toDeployment.p50)}x | ${pcts(s.floor.fromBatchStart)} | ${pcts(s.createFromBatchStart)} | ${num(s.createFromBatchStart.p50 / s.floor.fromBatchStart.p50)}x | ${num(s.floor.requestsPerCluster)} / ${num(s.operatorRequestsPerClusterToRunning)} | ${ms(s.allRunningAfterMs)} |`,
    );
  }
  lines.push('');
  lines.push(
    'N FlinkDeployments are created at once (32 requests in flight). The floor is a plain client writing the same ' +
      'ConfigMap, Services and JobManager Deployment the operator writes (no status, no finalizer, no Events), N clusters ' +
      'with 32 in flight. "Per cluster/resource" starts at that cluster\'s own first request (the operator\'s includes ' +
      'the wait in its work queue behind the others; the floor\'s client never queues); "from batch start" starts both ' +
      'at the first request of the batch, so it compares how soon the k-th cluster exists. Each ends when the ' +
      'Deployment appears in a watch.',
  );
  lines.push('');
  lines.push('## Spec change to upgrade start (p50 / p95 / p99)');
  lines.push('');
  lines.push(
    '| N | patch of `spec.job.args` to SpecChanged Event or UPGRADING, whichever first | all upgraded and RUNNING after |',
  );
  lines.push('| ---: | --- | ---: |');
  for (const s of r.scales) {
    lines.push(
      `| ${s.n} | ${pcts(s.specChangeToUpgrade)} | ${s.allUpgradedAfterMs === undefined ? 'not waited for (steady state measured instead)' : ms(s.allUpgradedAfterMs)} |`,
    );
  }
  lines.push('');
  const st = r.steady;
  lines.push(`## Steady state at ${st.deployments} FlinkDeployments`);
  lines.push('');
  lines.push('| measure | value | target |');
  lines.push('| --- | ---: | --- |');
  lines.push(`| operator CPU (% of one core) | ${num(st.cpuPercentOfOneCore, 2)} % | < 5 % |`);
  lines.push(
    `| operator resident memory, median / max | ${num(st.rssMiB.median)} / ${num(st.rssMiB.max)} MiB | < 150 MiB |`,
  );
  lines.push(`| API requests per minute | ${num(st.apiRequestsPerMinute)} | |`);
  lines.push(`| Flink REST requests per minute (simulated) | ${num(st.flinkRestRequestsPerMinute)} | |`);
  lines.push(`| window, reconcile interval | ${num(st.windowSeconds, 0)} s, ${st.reconcileInterval} | |`);
  lines.push('');
  lines.push(
    'API requests per minute by kind: ' +
      Object.entries(st.apiRequestsByKind)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(', ') || 'none',
  );
  lines.push('');
  lines.push('## Start-up and scheduled runs');
  lines.push('');
  lines.push('| measure | value |');
  lines.push('| --- | ---: |');
  lines.push(`| process start to ready (/readyz) | ${ms(r.startup.readyMs)} |`);
  lines.push(`| process start to first reconcile done | ${ms(r.startup.firstReconcileMs)} |`);
  lines.push(
    `| process start to the waiting resource's JobManager Deployment | ${ms(r.startup.firstDeploymentMs)} |`,
  );
  if (r.scheduled) {
    lines.push(
      `| tick to run created, ${r.scheduled.templates} schedules firing together (p50 / p95 / p99 / max) | ${pcts(r.scheduled.tickToRun)} / ${ms(r.scheduled.tickToRun.max)} |`,
    );
  }
  lines.push('');
  lines.push('![latency and steady state](results.svg)');
  lines.push('');
  return lines.join('\n');
}

/** Two panels: latency per scale (log scale) and the steady state's memory and CPU over time. */
export function svg(r: BenchResults): string {
  const W = 960;
  const H = 400;
  const panel = { w: 420, h: 260, top: 60 };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="20" y="24" font-size="15" font-weight="bold">flink-operator benchmark, ${r.machine.cpus} cores, ${r.date.slice(0, 10)} (Flink REST simulated from recordings)</text>`,
  );

  // Left: grouped bars per scale, log10 milliseconds.
  const x0 = 60;
  const y0 = panel.top + panel.h;
  const series: { label: string; color: string; value: (s: ScaleResult) => number }[] = [
    { label: 'floor p50 (batch)', color: '#999999', value: (s) => s.floor.fromBatchStart.p50 },
    { label: 'create p50 (batch)', color: '#1f77b4', value: (s) => s.createFromBatchStart.p50 },
    { label: 'floor p50', color: '#cccccc', value: (s) => s.floor.toDeployment.p50 },
    { label: 'create p50', color: '#aec7e8', value: (s) => s.createToDeployment.p50 },
    { label: 'upgrade start p50', color: '#ff7f0e', value: (s) => s.specChangeToUpgrade.p50 },
  ];

  const all = r.scales.flatMap((s) => series.map((x) => x.value(s))).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...all))));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const y = (v: number) => y0 - ((Math.log10(Math.max(v, 1)) - lo) / Math.max(1, hi - lo)) * panel.h;
  out.push(
    `<text x="${x0}" y="${panel.top - 12}" font-weight="bold">Latency (ms, log scale) by number of FlinkDeployments</text>`,
  );
  for (let e = lo; e <= hi; e++) {
    out.push(`<line x1="${x0}" x2="${x0 + panel.w}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`);
  }
  const groupW = panel.w / r.scales.length;
  const barW = (groupW - 20) / series.length;
  r.scales.forEach((s, gi) => {
    series.forEach((x, si) => {
      const v = x.value(s);
      const bx = x0 + gi * groupW + 10 + si * barW;
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y0 - y(v)).toFixed(1)}" fill="${x.color}"><title>${x.label}: ${Math.round(v)} ms</title></rect>`,
      );
    });
    out.push(`<text x="${x0 + gi * groupW + groupW / 2}" y="${y0 + 16}" text-anchor="middle">${s.n}</text>`);
  });
  series.forEach((x, si) => {
    const lx = x0 + (si % 3) * 140;
    const ly = y0 + 28 + Math.floor(si / 3) * 14;
    out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${x.color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 9}" font-size="10">${x.label}</text>`);
  });

  // Right: steady-state timeline.
  const x1 = 540;
  const t = r.steady.timeline;
  const tMax = Math.max(1, ...t.map((p) => p.seconds));
  const rssMax = Math.max(150, ...t.map((p) => p.rssMiB)) * 1.1;
  const cpuMax = Math.max(5, ...t.map((p) => p.cpuPercent)) * 1.1;
  const px = (sec: number) => x1 + (sec / tMax) * panel.w;
  const pyR = (v: number) => y0 - (v / rssMax) * panel.h;
  const pyC = (v: number) => y0 - (v / cpuMax) * panel.h;
  out.push(
    `<text x="${x1}" y="${panel.top - 12}" font-weight="bold">Steady state, ${r.steady.deployments} FlinkDeployments, 60 s interval</text>`,
  );
  out.push(
    `<rect x="${x1}" y="${panel.top}" width="${panel.w}" height="${panel.h}" fill="none" stroke="#ccc"/>`,
  );
  out.push(
    `<line x1="${x1}" x2="${x1 + panel.w}" y1="${pyR(150)}" y2="${pyR(150)}" stroke="#2ca02c" stroke-dasharray="4 3"/>`,
  );
  out.push(
    `<text x="${x1 + panel.w - 4}" y="${pyR(150) - 4}" text-anchor="end" fill="#2ca02c" font-size="10">150 MiB target</text>`,
  );
  out.push(
    `<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="${t.map((p) => `${px(p.seconds).toFixed(1)},${pyR(p.rssMiB).toFixed(1)}`).join(' ')}"/>`,
  );
  out.push(
    `<polyline fill="none" stroke="#d62728" stroke-width="1" points="${t.map((p) => `${px(p.seconds).toFixed(1)},${pyC(p.cpuPercent).toFixed(1)}`).join(' ')}"/>`,
  );
  out.push(
    `<text x="${x1 - 6}" y="${panel.top + 4}" text-anchor="end" fill="#2ca02c">${Math.round(rssMax)}</text>`,
  );
  out.push(`<text x="${x1 + panel.w + 6}" y="${panel.top + 4}" fill="#d62728">${num(cpuMax)}%</text>`);
  out.push(
    `<text x="${x1 + panel.w / 2}" y="${y0 + 16}" text-anchor="middle">seconds (RSS MiB green, left; CPU % of one core red, right)</text>`,
  );
  out.push(
    `<text x="${x1}" y="${y0 + 39}" font-size="11">CPU ${num(r.steady.cpuPercentOfOneCore, 2)} % · RSS ${num(r.steady.rssMiB.median)} MiB · ${Math.round(r.steady.apiRequestsPerMinute)} API req/min · ${Math.round(r.steady.flinkRestRequestsPerMinute)} REST req/min</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export async function writeReport(dir: string, results: BenchResults): Promise<void> {
  await fsp.writeFile(path.join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await fsp.writeFile(path.join(dir, 'results.md'), markdown(results));
  await fsp.writeFile(path.join(dir, 'results.svg'), svg(results));
}
