import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rewriteMountedPaths, type HostMount } from './runtimes.ts';
import type { WebSocketConnection } from './websocket.ts';

/**
 * `kubectl exec` as the kubelet serves it with the WebSocket streaming protocol
 * `v5.channel.k8s.io`: every binary message starts with its channel (0 stdin, 1 stdout, 2 stderr,
 * 3 the final status, 4 terminal resizes); `[255, n]` closes channel n (the client's end of stdin).
 */
export const EXEC_PROTOCOL = 'v5.channel.k8s.io';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** What the API server asks for: `/exec/{namespace}/{pod}/{container}?command=…&input=1&output=1&error=1&tty=1`. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function parseExecRequest(url: URL): ExecRequest | undefined {
  const match = /^\/exec\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return undefined;
  const flag = (name: string) => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
  return {
    namespace: decodeURIComponent(match[1]!),
    pod: decodeURIComponent(match[2]!),
    container: decodeURIComponent(match[3]!),
    command: url.searchParams.getAll('command'),
    stdin: flag('input'),
    stdout: flag('output'),
    stderr: flag('error'),
    tty: flag('tty'),
  };
}

/** A running container as an exec'd command joins it: its process, environment and file system view. */
export interface ExecTarget {
  /** The container's main process, which `kill … 1` means. */
  mainPid: number;
  env: Record<string, string>;
  cwd: string;
  /** Container paths and the host folders behind them. */
  pathMappings: HostMount[];
}

/** The `metav1.Status` the kubelet sends on the status channel when a command ends. */
export function exitStatus(exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function errorStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);
/** A shell script that is one kill command of plain words, as `sh -c "kill 1"` or `sh -c 'kill -9 1'`. */
const KILL_SCRIPT = /^\s*(?:exec\s+)?(kill(?:\s+[\w+-]+)+)\s*;?\s*$/;

/**
 * A container's processes are not in a PID namespace here, so PID 1 means nothing of the pod's.
 * `kill [SIGNAL OPTION] [--] PID…` (the `kill` of PATH or an absolute path to one), and a shell
 * (`sh`, `bash`, `dash`, `ash`, by any path) running `-c "kill [SIGNAL OPTION] [--] PID…"` made of
 * plain words only, have each PID operand `1` replaced with the container's main process.
 * `kill -1` as an operand (every process the user may signal) is refused: on a shared host it
 * would reach far beyond the pod. Anything else is returned unchanged.
 */
export function mapPidOne(argv: string[], mainPid: number): { argv: string[] } | { refused: string } {
  const [program, flag, script, ...rest] = argv;
  if (program && SHELLS.has(path.basename(program)) && flag === '-c' && script !== undefined) {
    const kill = KILL_SCRIPT.exec(script)?.[1];
    if (!kill) return { argv };
    const mapped = mapKill(kill.split(/\s+/), mainPid);
    return 'refused' in mapped ? mapped : { argv: [program, flag, mapped.argv.join(' '), ...rest] };
  }
  return mapKill(argv, mainPid);
}

function mapKill(argv: string[], mainPid: number): { argv: string[] } | { refused: string } {
  if (argv.length === 0 || path.basename(argv[0]!) !== 'kill') return { argv };
  const out = [argv[0]!];
  let i = 1;
  const arg = (k: number) => argv[k] ?? '';
  // One signal option at most, as kill(1) takes it: -s SIG, -n NUM, --signal SIG, -SIG, -NUM.
  if (['-s', '-n', '--signal'].includes(arg(i))) {
    out.push(arg(i), arg(i + 1));
    i += 2;
  } else if (/^-(l|L|-list|-table)$/.test(arg(i))) {
    return { argv };
  } else if (/^-[A-Za-z0-9+]+$/.test(arg(i)) || /^--signal=/.test(arg(i))) {
    out.push(arg(i));
    i += 1;
  }
  if (arg(i) === '--') out.push(argv[i++]!);
  for (; i < argv.length; i++) {
    const operand = argv[i]!;
    if (operand === '-1')
      return { refused: 'kill -1 (every process) is not supported by the local node agent' };
    out.push(operand === '1' ? String(mainPid) : operand);
  }
  return { argv: out };
}

/**
 * Runs `request.command` as a local process with the container's environment, working directory
 * and paths, wired to the connection's channels, and sends its exit status before closing.
 */
export function serveExec(conn: WebSocketConnection, request: ExecRequest, target: ExecTarget): void {
  const send = (channel: number, data: Buffer | string) =>
    conn.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  const finish = (status: Record<string, unknown>) => {
    send(STATUS, JSON.stringify(status));
    conn.close(1000);
  };
  // The kubelet's first message tells the client the streams are up.
  send(request.stdout ? STDOUT : request.stderr ? STDERR : STATUS, '');
  if (request.command.length === 0) return finish(errorStatus('no command given to exec'));
  const mapped = mapPidOne(
    request.command.map((a) => rewriteMountedPaths(target.pathMappings, a)),
    target.mainPid,
  );
  if ('refused' in mapped) return finish(errorStatus(mapped.refused));
  const argv = mapped.argv as [string, ...string[]];

  let child: ChildProcess | undefined;
  let connectionGone = false;
  let stdinEnded = false;
  const earlyStdin: Buffer[] = [];
  conn.onMessage((message) => {
    if (message.length === 0) return;
    if (message[0] === CLOSE) {
      if (message[1] !== STDIN) return;
      stdinEnded = true;
      child?.stdin?.end();
    } else if (message[0] === STDIN) {
      if (child) child.stdin?.write(message.subarray(1));
      else earlyStdin.push(message.subarray(1));
    } else if (message[0] === RESIZE && request.tty) {
      start(parseTerminalSize(message.subarray(1)));
    }
  });
  conn.onClose(() => {
    connectionGone = true;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null)
      killGroup(child.pid);
  });

  function start(size?: TerminalSize): void {
    if (child || connectionGone) return;
    const terminal = request.tty ? terminalCommand(argv, size) : undefined;
    const [command, ...args] = argv;
    const proc = spawn(terminal?.command ?? command, terminal?.args ?? args, {
      cwd: target.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...target.env },
      // Its own group, so a dropped connection ends everything the command started.
      detached: true,
      stdio: [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let spawnError: Error | undefined;
    proc.on('error', (err) => (spawnError = err));
    proc.stdout?.on('data', (chunk: Buffer) => request.stdout && send(STDOUT, chunk));
    // A terminal has no separate stderr: both reach the client on stdout.
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (request.tty) send(STDOUT, chunk);
      else if (request.stderr) send(STDERR, chunk);
    });
    proc.stdin?.on('error', () => undefined);
    for (const chunk of earlyStdin.splice(0)) proc.stdin?.write(chunk);
    if (stdinEnded) proc.stdin?.end();
    proc.on('close', (code, signal) => {
      if (spawnError) {
        const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        return finish(
          errorStatus(
            missing
              ? `failed to exec in container: exec: "${command}": executable file not found in $PATH`
              : `failed to exec in container: ${spawnError.message}`,
          ),
        );
      }
      finish(exitStatus(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 9) : 1)));
    });
  }

  // A terminal's size comes first on channel 4: the command starts with it, or without after a moment.
  if (request.tty) setTimeout(() => start(), 300).unref();
  else start();
}

/** kubectl's `remotecommand.TerminalSize`. */
export interface TerminalSize {
  Width: number;
  Height: number;
}

function parseTerminalSize(data: Buffer): TerminalSize | undefined {
  try {
    const size = JSON.parse(data.toString('utf8')) as Partial<TerminalSize>;
    return Number.isInteger(size.Width) && Number.isInteger(size.Height) ? (size as TerminalSize) : undefined;
  } catch {
    return undefined;
  }
}

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((f) => fs.existsSync(f));

/**
 * `-t` wants a terminal: util-linux `script` gives the command a pseudo-terminal of the size the
 * client had when it connected (later resizes are not passed on). Without `script`, undefined:
 * the command runs on pipes.
 */
export function terminalCommand(
  argv: string[],
  size: TerminalSize | undefined,
  script = SCRIPT,
): { command: string; args: string[] } | undefined {
  if (!script) return undefined;
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const stty =
    size && size.Width > 0 && size.Height > 0
      ? `stty cols ${size.Width} rows ${size.Height} 2>/dev/null; `
      : '';
  return { command: script, args: ['-q', '-e', '-f', '-c', `${stty}exec ${quoted}`, '/dev/null'] };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
