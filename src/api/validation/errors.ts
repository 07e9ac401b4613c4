/** What validation reports: where the problem is and the message the user sees. */
export interface ValidationError {
  /** Dotted path into the object, e.g. `spec.job.parallelism`; `metadata.name` for the name. */
  path: string;
  message: string;
}

/** Collects errors in the order the checks run. */
export class ErrorList {
  readonly errors: ValidationError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }
}

export type JsonRecord = { [key: string]: unknown };

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field of untyped input, returning undefined wherever the shape does not match. */
export function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}
