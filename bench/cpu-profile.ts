/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, written by `npm run bench -- --cpu-prof`): self
 * time by function and by source file, busiest first.
 * `node --import tsx bench/cpu-profile.ts FILE.cpuprofile [--top=20]`
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  share: number;
}

export function summarizeProfile(profile: CpuProfile, top: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy += us;
    const file = shortUrl(frame.url) || frame.functionName;
    const fn = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return {
    wallSeconds: (profile.endTime - profile.startTime) / 1e6,
    busySeconds: busy / 1e6,
    functions: lines(byFunction),
    files: lines(byFile),
  };
}

/** node_modules/pkg/... or the path under the checkout (src/..., dist/...). */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('operator-dist.tmp/');
  if (dist >= 0) return `src/${url.slice(dist + 'operator-dist.tmp/'.length)}`;
  return url.replace(/^file:\/\//, '');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' } },
  });
  const profile = JSON.parse(fs.readFileSync(positionals[0]!, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, Number(values.top));
  console.log(
    `profile: ${summary.wallSeconds.toFixed(0)} s wall, ${summary.busySeconds.toFixed(1)} s on CPU`,
  );
  for (const [title, lines] of [
    ['by file', summary.files],
    ['by function', summary.functions],
  ] as const) {
    console.log(`\nself time ${title}:`);
    for (const l of lines)
      console.log(`${l.ms.toFixed(0).padStart(8)} ms ${(l.share * 100).toFixed(1).padStart(5)} %  ${l.name}`);
  }
}
