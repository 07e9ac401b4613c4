/**
 * `flink-operator crds check|apply`: compare the installed CRDs with this release's, and install or
 * replace them. The step a user takes when moving from the Apache operator (whose CRDs Helm never
 * replaces) or upgrading this one; resources stored under the old CRDs are kept as they are.
 */
import { describeAssessment, inspectCrds, installCrds } from '../api/index.ts';
import { KubeClient, KubeConfig } from '../runtime/index.ts';

export interface CrdsOptions {
  kubeconfig?: string;
  out?: (line: string) => void;
}

/** Exit code 0 when every CRD is this release's, 1 otherwise (each line says what to do). */
export async function crdsCheck(opts: CrdsOptions = {}): Promise<number> {
  const out = opts.out ?? console.log;
  const client = new KubeClient(KubeConfig.load(opts.kubeconfig));
  try {
    const assessments = await inspectCrds(client);
    for (const a of assessments) out(describeAssessment(a));
    return assessments.every((a) => a.state === 'current') ? 0 : 1;
  } finally {
    client.close();
  }
}

export async function crdsApply(opts: CrdsOptions = {}): Promise<number> {
  const out = opts.out ?? console.log;
  try {
    const outcomes = await installCrds(KubeConfig.load(opts.kubeconfig));
    for (const { name, outcome } of outcomes) out(`${name}: ${outcome}`);
    return 0;
  } catch (err) {
    out(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
