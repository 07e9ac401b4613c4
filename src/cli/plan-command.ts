import fsp from 'node:fs/promises';
import { loadOperatorConfig } from '../runtime/index.ts';
import { planManifest } from './plan.ts';

/** `flink-operator plan`: reads the files, prints the plan; exit code 1 when a resource is invalid. */
export async function planCommand(opts: {
  file: string;
  current?: string;
  config?: string;
}): Promise<number> {
  const manifest = await fsp.readFile(opts.file, 'utf8');
  const current = opts.current ? await fsp.readFile(opts.current, 'utf8') : undefined;
  // Only the given file: the environment's FLINK_CONF_DIR belongs to a running operator, not to a plan.
  const operatorConfig = opts.config
    ? await loadOperatorConfig({ configFile: opts.config, env: {} })
    : undefined;
  const result = planManifest({
    manifest,
    ...(current !== undefined ? { current } : {}),
    ...(operatorConfig ? { operatorConfig } : {}),
  });
  process.stdout.write(result.text);
  return result.valid ? 0 : 1;
}
