import pino, { type Logger } from 'pino';
import { redactText } from './redact.ts';

/** Plain values with the credentials of any URI in their strings removed (see redact.ts). */
function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactFields(v, depth + 1)]));
}

/** The operator's root JSON logger; controllers derive children carrying kind/namespace/name. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'flink-operator',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactFields(object) as Record<string, unknown>,
    },
    serializers: {
      err: (err: Error) => {
        const serialized = pino.stdSerializers.err(err);
        serialized.message = redactText(serialized.message);
        if (serialized.stack) serialized.stack = redactText(serialized.stack);
        return serialized;
      },
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  });
}

export type { Logger };
