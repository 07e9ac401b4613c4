import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** A failed step of assembling a Flink distribution, naming the step and the log that tells why. */
export class FlinkDistributionError extends Error {
  constructor(
    readonly step: string,
    detail: string,
    readonly logFile?: string,
  ) {
    super(`${step} failed: ${detail}${logFile ? ` (see ${logFile})` : ''}`);
    this.name = 'FlinkDistributionError';
  }
}

/**
 * Runs one external command of the build with its output in `<logDir>/<step>.log`; a non-zero
 * exit becomes a FlinkDistributionError carrying the log's last lines.
 */
export async function runStep(
  step: string,
  logDir: string,
  command: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<void> {
  await fsp.mkdir(logDir, { recursive: true });
  const logFile = path.join(logDir, `${step.replace(/[^a-zA-Z0-9._-]+/g, '-')}.log`);
  const out = fs.openSync(logFile, 'w');
  fs.writeSync(out, `$ ${command} ${args.join(' ')}\n`);
  try {
    const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', out, out] });
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    });
    if (exit.error) throw new FlinkDistributionError(step, `cannot run ${command}: ${exit.error.message}`, logFile);
    if (exit.code !== 0) {
      const tail = (await fsp.readFile(logFile, 'utf8')).trim().split('\n').slice(-8).join('\n');
      throw new FlinkDistributionError(step, `${command} exited with ${exit.code}:\n${tail}`, logFile);
    }
  } finally {
    fs.closeSync(out);
  }
}
