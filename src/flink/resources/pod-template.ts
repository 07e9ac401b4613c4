/**
 * Pod templates as users write them (`spec.podTemplate`, `jobManager.podTemplate`,
 * `taskManager.podTemplate`), merged the way the compatible operator merges them: maps field by
 * field (the later template wins for scalars), lists element by element by position, or by the
 * elements' `name` when `kubernetes.operator.pod-template.merge-arrays-by-name` is true.
 */
import type { FlinkDeploymentSpec, PodTemplate } from '../../api/index.ts';
import { hasResourceRequirements } from '../config/effective.ts';
import { KEYS } from '../config/keys.ts';
import { MAIN_CONTAINER_NAME } from './names.ts';

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allNamed(list: unknown[]): boolean {
  return list.every((item) => isObject(item) && 'name' in item);
}

function mergeLists(into: unknown[], from: unknown[], byName: boolean): unknown[] {
  if (byName && allNamed(into) && allNamed(from)) {
    const merged = new Map<string, unknown>();
    for (const item of into) merged.set(String((item as Json).name), item);
    for (const item of from) {
      const key = String((item as Json).name);
      const existing = merged.get(key);
      merged.set(key, isObject(existing) ? mergeInto(existing, item as Json, byName) : item);
    }
    return [...merged.values()];
  }
  const out = [...into];
  from.forEach((item, i) => {
    const existing = out[i];
    out[i] =
      i < into.length && isObject(existing) && isObject(item) ? mergeInto(existing, item, byName) : item;
  });
  return out;
}

/** `from` merged over `into` (both copied, neither changed). */
function mergeInto(into: Json, from: Json, byName: boolean): Json {
  const out: Json = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const existing = out[key];
    if (Array.isArray(existing) && Array.isArray(value)) out[key] = mergeLists(existing, value, byName);
    else if (isObject(existing) && isObject(value)) out[key] = mergeInto(existing, value, byName);
    else out[key] = value;
  }
  return out;
}

export function mergePodTemplates(
  base: PodTemplate | undefined,
  override: PodTemplate | undefined,
  mergeByName: boolean,
): PodTemplate | undefined {
  if (!override) return base ? structuredClone(base) : undefined;
  if (!base) return structuredClone(override);
  return structuredClone(mergeInto(base as Json, override as Json, mergeByName)) as PodTemplate;
}

type ProcessSpec = NonNullable<FlinkDeploymentSpec['jobManager']>;

/** Containers of a template's spec, and its main container (added when missing). */
function mainContainerOf(template: PodTemplate): Json {
  const spec = (template.spec ??= {});
  const containers = ((spec.containers as Json[] | undefined) ??= []);
  let main = containers.find((c) => c.name === MAIN_CONTAINER_NAME);
  if (!main) {
    main = { name: MAIN_CONTAINER_NAME };
    containers.push(main);
  }
  return main;
}

/**
 * Resources other than cpu and memory (those reach the container through the Flink
 * configuration): every other request and limit of `resources`, or the `ephemeralStorage` of
 * the older `resource` section, on the main container.
 */
function withExtraResources(
  template: PodTemplate | undefined,
  process: ProcessSpec,
): PodTemplate | undefined {
  const extra = { requests: {} as Json, limits: {} as Json };
  if (hasResourceRequirements(process.resources)) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const [name, value] of Object.entries(process.resources?.[kind] ?? {})) {
        if (name !== 'cpu' && name !== 'memory') extra[kind][name] = value;
      }
    }
  } else if (process.resource?.ephemeralStorage?.trim()) {
    extra.requests['ephemeral-storage'] = process.resource.ephemeralStorage;
    extra.limits['ephemeral-storage'] = process.resource.ephemeralStorage;
  }
  if (Object.keys(extra.requests).length === 0 && Object.keys(extra.limits).length === 0) return template;
  const out: PodTemplate = template ? structuredClone(template) : {};
  const main = mainContainerOf(out);
  const resources = ((main.resources as Json | undefined) ??= {});
  for (const kind of ['requests', 'limits'] as const) {
    if (Object.keys(extra[kind]).length > 0)
      resources[kind] = { ...(resources[kind] as Json), ...extra[kind] };
  }
  return out;
}

/** A startup probe on the REST port that passes once the JobManager answers `GET /config`. */
export function addStartupProbe(template: PodTemplate | undefined): PodTemplate {
  const out: PodTemplate = template ? structuredClone(template) : {};
  const main = mainContainerOf(out);
  main.startupProbe ??= {
    failureThreshold: 2147483647,
    periodSeconds: 1,
    httpGet: { path: '/config', port: 'rest' },
  };
  return out;
}

export interface ProcessTemplates {
  jobManager?: PodTemplate;
  taskManager?: PodTemplate;
}

/**
 * The pod templates the JobManager and TaskManagers start from: the common template, the
 * process's own template over it, its extra resources, and (JobManager, unless disabled by
 * `kubernetes.operator.jm-deployment.startup.probe.enabled`) the startup probe.
 */
export function processTemplates(
  spec: FlinkDeploymentSpec,
  config: Readonly<Record<string, string>>,
): ProcessTemplates {
  const byName = config[KEYS.podTemplateMergeByName]?.trim().toLowerCase() === 'true';
  const forProcess = (process: ProcessSpec | undefined): PodTemplate | undefined =>
    process
      ? withExtraResources(mergePodTemplates(spec.podTemplate, process.podTemplate, byName), process)
      : mergePodTemplates(spec.podTemplate, undefined, byName);
  let jobManager = forProcess(spec.jobManager);
  if (config[KEYS.startupProbeEnabled]?.trim().toLowerCase() !== 'false')
    jobManager = addStartupProbe(jobManager);
  const taskManager = forProcess(spec.taskManager);
  return { ...(jobManager && { jobManager }), ...(taskManager && { taskManager }) };
}
