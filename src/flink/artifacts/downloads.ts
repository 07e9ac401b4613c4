/**
 * Jar downloads of session jobs, run apart from the reconcile workers: a reconcile asks for its
 * job's jar and gets it when it is there, or learns that it is still queued or downloading and
 * comes back later, so a slow host holds a download slot, never a worker. At most `parallelism`
 * downloads run at once; the others wait in order. Local files are looked up at once.
 */
import fsp from 'node:fs/promises';
import { schemeOf, type FetchRequest, type FetchedArtifact } from './artifact.ts';
import type { ArtifactFetchers } from './fetch.ts';

export type DownloadState =
  | { kind: 'ready'; artifact: FetchedArtifact }
  | { kind: 'queued'; ahead: number; started: boolean }
  | { kind: 'running'; sinceMs: number; started: boolean }
  | { kind: 'failed'; error: Error };

interface Entry {
  identity: string;
  request: FetchRequest;
  abort: AbortController;
  state: DownloadState;
}

const LOCAL_SCHEMES = new Set([undefined, 'file', 'local']);

export interface ArtifactDownloadsOptions {
  /** Most downloads at once, read when a slot frees up (the configuration may change). */
  parallelism: () => number;
  /** Called with the owner's key when its download finished or failed. */
  onSettled?: (owner: string) => void;
  now?: () => number;
}

export class ArtifactDownloads {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: string[] = [];
  private running = 0;
  private readonly now: () => number;

  constructor(
    private readonly fetchers: ArtifactFetchers,
    private readonly options: ArtifactDownloadsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Where `owner`'s download of `request` stands; starts it when there is none (a different
   * request replaces the earlier one). A ready artifact or a failure is handed out once: the
   * caller then owns the file, and the next call after a failure starts a new attempt.
   */
  async poll(owner: string, request: FetchRequest): Promise<DownloadState> {
    if (LOCAL_SCHEMES.has(schemeOf(request.uri))) {
      await this.discard(owner);
      return this.fetchers.fetch(request).then(
        (artifact): DownloadState => ({ kind: 'ready', artifact }),
        (error: unknown): DownloadState => ({ kind: 'failed', error: asError(error) }),
      );
    }
    const identity = JSON.stringify([request.uri, request.targetDir, request.headers ?? {}]);
    const entry = this.entries.get(owner);
    if (entry && entry.identity !== identity) await this.discard(owner);
    const current = this.entries.get(owner);
    if (!current) {
      this.entries.set(owner, {
        identity,
        request,
        abort: new AbortController(),
        state: { kind: 'queued', ahead: this.waiting.length, started: true },
      });
      this.waiting.push(owner);
      this.pump();
      return this.stateOf(owner);
    }
    const state = this.stateOf(owner);
    if (state.kind === 'ready' || state.kind === 'failed') this.entries.delete(owner);
    if (state.kind === 'queued' || state.kind === 'running') return { ...state, started: false };
    return state;
  }

  /** Forgets `owner`'s download: stops it and removes a file that nobody took. */
  async discard(owner: string): Promise<void> {
    const entry = this.entries.get(owner);
    if (!entry) return;
    this.entries.delete(owner);
    const at = this.waiting.indexOf(owner);
    if (at >= 0) this.waiting.splice(at, 1);
    entry.abort.abort(new Error('download no longer needed'));
    if (entry.state.kind === 'ready' && entry.state.artifact.temporary) {
      await fsp.rm(entry.state.artifact.path, { force: true });
    }
  }

  /** Downloads running or waiting. */
  get size(): number {
    return this.entries.size;
  }

  private stateOf(owner: string): DownloadState {
    const entry = this.entries.get(owner);
    if (!entry) return { kind: 'failed', error: new Error('download was discarded') };
    if (entry.state.kind === 'queued') return { ...entry.state, ahead: this.waiting.indexOf(owner) };
    return entry.state;
  }

  private pump(): void {
    while (this.running < Math.max(1, this.options.parallelism()) && this.waiting.length > 0) {
      const owner = this.waiting.shift() as string;
      const entry = this.entries.get(owner);
      if (entry) this.start(owner, entry);
    }
  }

  private start(owner: string, entry: Entry): void {
    this.running++;
    entry.state = { kind: 'running', sinceMs: this.now(), started: true };
    const signal = entry.request.signal
      ? AbortSignal.any([entry.request.signal, entry.abort.signal])
      : entry.abort.signal;
    this.fetchers
      .fetch({ ...entry.request, signal })
      .then(
        async (artifact) => {
          // Discarded meanwhile: nobody will take the file.
          if (this.entries.get(owner) !== entry) {
            if (artifact.temporary) await fsp.rm(artifact.path, { force: true });
            return;
          }
          entry.state = { kind: 'ready', artifact };
        },
        (error: unknown) => {
          entry.state = { kind: 'failed', error: asError(error) };
        },
      )
      .catch(() => undefined)
      .finally(() => {
        this.running--;
        this.pump();
        if (this.entries.get(owner) === entry) this.options.onSettled?.(owner);
      });
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
