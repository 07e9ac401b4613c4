import type { Logger } from 'pino';
import { loadOperatorConfig, type ConfigSource } from './loader.ts';
import type { OperatorConfig } from './operator-config.ts';
import { RuntimeOptions } from './options.ts';

export type ConfigListener = (next: OperatorConfig, previous: OperatorConfig, changedKeys: string[]) => void;

/**
 * Holds the current configuration and, when `dynamic.config.enabled` is true, re-reads the
 * source every `dynamic.config.check.interval` and tells subscribers what changed. Polling, not
 * file watching: ConfigMap volumes change by swapping symlinks, which file watchers miss.
 */
export class ConfigReloader {
  private listeners = new Set<ConfigListener>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly source: ConfigSource,
    private config: OperatorConfig,
    private readonly log?: Logger,
  ) {}

  get current(): OperatorConfig {
    return this.config;
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (!this.config.get(RuntimeOptions.dynamicConfigEnabled)) return;
    this.stopped = false;
    this.log?.info(
      { intervalMs: this.config.get(RuntimeOptions.dynamicConfigCheckInterval) },
      'dynamic config updates enabled',
    );
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Re-reads the source now; returns whether the configuration changed. Keeps the old one on errors. */
  async check(): Promise<boolean> {
    let next: OperatorConfig;
    try {
      next = await loadOperatorConfig(this.source);
    } catch (err) {
      this.log?.error({ err }, 'cannot reload operator configuration, keeping the current one');
      return false;
    }
    const changed = next.changedKeys(this.config);
    if (changed.length === 0) return false;
    const previous = this.config;
    this.config = next;
    this.log?.info(
      { changed: Object.fromEntries(changed.map((k) => [k, next.raw(k) ?? null])) },
      'configuration updated',
    );
    for (const listener of this.listeners) {
      try {
        listener(next, previous, changed);
      } catch (err) {
        this.log?.error({ err }, 'configuration listener failed');
      }
    }
    return true;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.config.get(RuntimeOptions.dynamicConfigCheckInterval));
    this.timer.unref();
  }
}
