/**
 * The `podTemplate` fields: a full core/v1 Pod as Kubernetes defines it, so the API server checks
 * types and keeps every field. The schema is vendored from Kubernetes' published OpenAPI document
 * by `scripts/vendor-pod-schema.ts`.
 */
import { createRequire } from 'node:module';
import { Type, type TUnsafe } from '@sinclair/typebox';

/** A JSON object as read from the API (pod specs are handled as data, not as typed models). */
export type JsonObject = { [key: string]: unknown };

/** The part of a Pod's metadata a pod template uses. */
export interface PodTemplateMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A pod template as users write it (`apiVersion`/`kind` optional), merged later field by field. */
export interface PodTemplate {
  apiVersion?: string;
  kind?: string;
  metadata?: PodTemplateMetadata;
  spec?: JsonObject;
  status?: JsonObject;
}

const vendored = createRequire(import.meta.url)('./kubernetes-pod.schema.json') as { schema: object };

export function PodTemplateSchema(): TUnsafe<PodTemplate> {
  return Type.Unsafe<PodTemplate>(structuredClone(vendored.schema));
}
