/**
 * Admission decisions for the flink.apache.org kinds, as pure functions of an AdmissionReview:
 * validation runs the same checks as the controllers, defaulting answers with the JSON Patch that
 * fills in the values the `apply*Defaults` functions give a missing field.
 */
import {
  deprecatedFlinkVersionMessage,
  flinkVersionSupport,
  applyDeploymentDefaults,
  applySessionJobDefaults,
  applyStateSnapshotDefaults,
  validateFlinkDeployment,
  validateSessionJob,
  validateStateSnapshot,
  type FlinkDeployment,
  type FlinkSessionJob,
  type FlinkStateSnapshot,
  type OperatorValidationConfig,
  type ValidationError,
} from '../api/index.ts';
import { diffToPatch, valueAt, type PatchOperation } from './json-patch.ts';
import { isCanaryResource } from '../api/canary.ts';

/** The parts of an `admission.k8s.io/v1` AdmissionRequest the webhook reads. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace?: string;
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  patchType?: 'JSONPatch';
  /** Base64 of the JSON Patch document. */
  patch?: string;
  /** Shown to the client (kubectl prints them as `Warning: ...`). */
  warnings?: string[];
}

export interface ValidationContext {
  /** The FlinkDeployment a session job names, or undefined when there is none. */
  sessionDeployment: (namespace: string, name: string) => Promise<unknown>;
  operatorConfig: OperatorValidationConfig;
}

const GROUP = 'flink.apache.org';

const allow = (uid: string): AdmissionResponse => ({ uid, allowed: true });

/** How the errors read in the API server's answer: the validator's messages, in order. */
export function rejectionMessage(errors: ValidationError[]): string {
  return errors.map((e) => e.message).join('; ');
}

export async function validate(req: AdmissionRequest, ctx: ValidationContext): Promise<AdmissionResponse> {
  if (req.kind.group !== GROUP || (req.operation !== 'CREATE' && req.operation !== 'UPDATE'))
    return allow(req.uid);
  const obj = req.object;
  // A canary is only the operator's health probe: it has no spec to judge.
  if (isCanaryResource(obj as { metadata?: { labels?: Record<string, string> } })) return allow(req.uid);
  let errors: ValidationError[];
  switch (req.kind.kind) {
    case 'FlinkDeployment':
      errors = validateFlinkDeployment(obj, { operatorConfig: ctx.operatorConfig });
      break;
    case 'FlinkSessionJob': {
      const target = (obj as FlinkSessionJob).spec?.deploymentName;
      const session =
        target && req.namespace ? await ctx.sessionDeployment(req.namespace, target) : undefined;
      errors = validateSessionJob(obj, session, { operatorConfig: ctx.operatorConfig });
      break;
    }
    case 'FlinkStateSnapshot':
      errors = validateStateSnapshot(obj);
      break;
    default:
      return allow(req.uid);
  }
  if (errors.length === 0) {
    const warnings = admissionWarnings(req.kind.kind, obj);
    return warnings.length > 0 ? { ...allow(req.uid), warnings } : allow(req.uid);
  }
  return {
    uid: req.uid,
    allowed: false,
    status: { code: 422, reason: 'Invalid', message: rejectionMessage(errors) },
  };
}

/**
 * What is accepted but should change: a deprecated Flink version. The compatible operator only
 * logs this; the client is told as well, where the user can act on it.
 */
function admissionWarnings(kind: string, obj: unknown): string[] {
  if (kind !== 'FlinkDeployment') return [];
  const version = (obj as FlinkDeployment).spec?.flinkVersion;
  return flinkVersionSupport(version) === 'deprecated'
    ? [deprecatedFlinkVersionMessage(String(version))]
    : [];
}

function defaulted(kind: string, obj: unknown): unknown {
  switch (kind) {
    case 'FlinkDeployment':
      return applyDeploymentDefaults(obj as FlinkDeployment);
    case 'FlinkSessionJob':
      return applySessionJobDefaults(obj as FlinkSessionJob);
    case 'FlinkStateSnapshot':
      return applyStateSnapshotDefaults(obj as FlinkStateSnapshot);
    default:
      return obj;
  }
}

/**
 * The defaulting patch. On UPDATE a default is only written where the stored object already has
 * the field: a resource created before the webhook existed keeps its spec as it was deployed, so
 * a later edit does not show the defaults as a spec change that redeploys it.
 */
export function defaultingPatch(req: AdmissionRequest): PatchOperation[] {
  if (req.kind.group !== GROUP || (req.operation !== 'CREATE' && req.operation !== 'UPDATE')) return [];
  if (typeof req.object !== 'object' || req.object === null) return [];
  const ops = diffToPatch(req.object, defaulted(req.kind.kind, req.object));
  if (req.operation === 'CREATE') return ops;
  return ops.filter((op) => op.op !== 'add' || valueAt(req.oldObject, op.path) !== undefined);
}

export function mutate(req: AdmissionRequest): AdmissionResponse {
  const ops = defaultingPatch(req);
  if (ops.length === 0) return allow(req.uid);
  return {
    uid: req.uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
  };
}
