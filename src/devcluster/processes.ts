import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';

/** A process started by the local cluster, recorded so that a later command can stop exactly it. */
export interface ManagedProcess {
  name: string;
  pid: number;
  binary: string;
  logFile: string;
}

/**
 * Starts `binary` in its own process group with output appended to `logFile`. The child is
 * detached, so it outlives a CLI that started it; `stopProcess` ends it.
 */
export function startProcess(
  name: string,
  binary: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${binary} ${args.join(' ')}\n`);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
  return { name, pid: child.pid, binary, logFile };
}

/** True while `proc` still runs and is the process we started (not a recycled pid). */
export function isRunning(proc: ManagedProcess): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    const stat = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    // A zombie has exited even though its pid still exists.
    if (/^\d+ \(.*\) Z/.test(stat)) return false;
    return cmdline.split('\0')[0] === proc.binary;
  } catch {
    return false;
  }
}

/** Ends `proc` and its process group: SIGTERM, then SIGKILL after `graceMs`; waits until the group is empty. */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(proc) && !groupAlive(proc.pid)) return;
  signalGroup(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(proc) && !groupAlive(proc.pid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  signalGroup(proc.pid, 'SIGKILL');
  while (isRunning(proc) || groupAlive(proc.pid)) await new Promise((r) => setTimeout(r, 50));
}

/** True while any live (non-zombie) process belongs to process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The last lines of a log file, for error messages. */
export async function logTail(file: string, lines = 5): Promise<string> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join('\n');
}
