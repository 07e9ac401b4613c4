/** Rules for the JobManager and TaskManager sections: memory, resource quantities, replicas. */
import type { ErrorList } from './errors.ts';
import { field, isBlank, isRecord } from './errors.ts';
import { parseMemory, parseQuantity } from './quantity.ts';

export type Component = 'JobManager' | 'TaskManager';

/** True when the resource section or the requirements (requests or limits) give a memory size. */
export function memoryDefined(spec: unknown): boolean {
  return (
    !isBlank(field(spec, 'resource', 'memory')) ||
    field(spec, 'resources', 'requests', 'memory') !== undefined ||
    field(spec, 'resources', 'limits', 'memory') !== undefined
  );
}

export function checkResource(
  errors: ErrorList,
  component: Component,
  path: string,
  resource: unknown,
): void {
  if (!isRecord(resource)) return;
  if (resource.memory !== undefined) {
    const memory = parseMemory(resource.memory);
    if (!memory.ok) errors.add(`${path}.memory`, `${component} resource memory parse error: ${memory.error}`);
    else if (memory.value <= 0)
      errors.add(
        `${path}.memory`,
        `${component} resource memory must be positive: ${String(resource.memory)}`,
      );
  }
  // Checked here, not first by the API server when the pods' Deployment is written.
  if (resource.cpu !== undefined && !(typeof resource.cpu === 'number' && resource.cpu > 0)) {
    errors.add(`${path}.cpu`, `${component} resource cpu must be a positive number: ${String(resource.cpu)}`);
  }
  if (resource.ephemeralStorage !== undefined) {
    const storage = parseQuantity(resource.ephemeralStorage);
    if (!storage.ok) {
      errors.add(
        `${path}.ephemeralStorage`,
        `${component} resource ephemeral storage parse error: ${storage.error}`,
      );
    } else if (storage.value < 0) {
      errors.add(
        `${path}.ephemeralStorage`,
        `${component} resource ephemeral storage must not be negative: ${String(resource.ephemeralStorage)}`,
      );
    }
  }
}

function amount(key: string, value: unknown) {
  return key === 'memory' ? parseMemory(value) : parseQuantity(value);
}

export function checkResourceRequirements(
  errors: ErrorList,
  component: Component,
  path: string,
  requirements: unknown,
): void {
  if (!isRecord(requirements)) return;
  for (const section of ['requests', 'limits'] as const) {
    const quantities = requirements[section];
    if (!isRecord(quantities)) continue;
    for (const [key, value] of Object.entries(quantities)) {
      if (value === null || value === undefined) continue;
      const where = `${path}.${section}.${key}`;
      const parsed = amount(key, value);
      const shown = String(value);
      if (!parsed.ok) {
        errors.add(
          where,
          `${component} resource requirements ${section} ${key} parse error: ${parsed.error}`,
        );
      } else if ((key === 'memory' || key === 'cpu') && parsed.value <= 0) {
        errors.add(where, `${component} resource requirements ${section} ${key} must be positive: ${shown}`);
      } else if (parsed.value < 0) {
        errors.add(
          where,
          `${component} resource requirements ${section} ${key} must not be negative: ${shown}`,
        );
      }
    }
  }
  for (const key of ['cpu', 'memory']) {
    const request = field(requirements, 'requests', key);
    const limit = field(requirements, 'limits', key);
    if (request === undefined || request === null || limit === undefined || limit === null) continue;
    const r = amount(key, request);
    const l = amount(key, limit);
    if (r.ok && l.ok && r.value > l.value) {
      errors.add(
        `${path}.requests.${key}`,
        `${component} resource requirements ${key} request (${String(request)}) must not exceed its limit (${String(limit)})`,
      );
    }
  }
}
