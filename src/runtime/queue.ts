import { systemClock, type Clock } from './clock.ts';

export interface WorkQueueOptions {
  /** Most keys processed at once; -1 (or any value < 1) means unbounded. */
  parallelism: number;
  /** Handles one key; must settle. The signal aborts when in-flight work is cancelled. */
  process: (key: string, signal: AbortSignal) => Promise<void>;
  clock?: Clock;
  /** Called with how long a key waited past its due time when it starts. */
  onStart?: (key: string, latencyMs: number) => void;
  /** Called whenever the number of waiting keys changes. */
  onDepth?: (depth: number) => void;
}

interface Entry {
  key: string;
  due: number;
  seq: number;
}

/**
 * A delaying work queue of keys. Each key is waiting at most once (adding it again keeps the
 * earlier due time), is never processed twice at the same time (a key added while in flight runs
 * again after the current run), and at most `parallelism` keys run at once, earliest due first.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly heap: Entry[] = [];
  private readonly waiting = new Map<string, Entry>();
  /** Keys added while in flight, with the due time to use once the current run ends. */
  private readonly again = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private seq = 0;
  private limit: number;
  private paused = false;
  private timer: { handle: unknown; due: number } | undefined;
  private abort = new AbortController();

  constructor(private readonly options: WorkQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.limit = normalizeLimit(options.parallelism);
  }

  /** Keys waiting to run (due or not), including keys waiting for their current run to end. */
  get depth(): number {
    return this.waiting.size + [...this.again.keys()].filter((k) => !this.waiting.has(k)).length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  isWaiting(key: string): boolean {
    return this.waiting.has(key) || this.again.has(key);
  }

  /** Schedules `key` after `delayMs`; an earlier schedule for the same key wins. */
  add(key: string, delayMs = 0): void {
    const due = this.clock.now() + Math.max(0, delayMs);
    if (this.inFlight.has(key)) {
      this.again.set(key, Math.min(this.again.get(key) ?? Number.POSITIVE_INFINITY, due));
      this.changed();
      return;
    }
    const current = this.waiting.get(key);
    if (current && current.due <= due) return;
    const entry = { key, due, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.push(entry);
    this.changed();
    this.dispatch();
  }

  /** Forgets a waiting key (its object is gone); an in-flight run is not affected. */
  remove(key: string): void {
    this.waiting.delete(key);
    this.again.delete(key);
    this.changed();
  }

  setParallelism(parallelism: number): void {
    this.limit = normalizeLimit(parallelism);
    this.dispatch();
  }

  /** Stops starting keys; waiting keys stay queued. */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  resume(): void {
    this.paused = false;
    this.dispatch();
  }

  /** Aborts the signals of all running keys (they still finish on their own). */
  abortInFlight(reason: unknown): void {
    const current = this.abort;
    this.abort = new AbortController();
    current.abort(reason);
  }

  /** Waits until nothing is in flight, or the timeout passes; returns whether it drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return false;
      let handle: unknown;
      const timedOut = new Promise<'timeout'>((resolve) => {
        handle = this.clock.setTimer(() => resolve('timeout'), remaining);
      });
      const result = await Promise.race([Promise.allSettled([...this.inFlight.values()]), timedOut]);
      this.clock.clearTimer(handle);
      if (result === 'timeout') return this.inFlight.size === 0;
    }
    return true;
  }

  private dispatch(): void {
    if (this.paused) return;
    while (this.inFlight.size < this.limit) {
      const top = this.peek();
      if (!top) break;
      const now = this.clock.now();
      if (top.due > now) {
        this.armTimer(top.due);
        return;
      }
      this.pop();
      this.waiting.delete(top.key);
      this.start(top.key, now - top.due);
    }
    if (this.inFlight.size >= this.limit) this.clearTimer();
  }

  private start(key: string, latencyMs: number): void {
    this.changed();
    this.options.onStart?.(key, latencyMs);
    const run = Promise.resolve()
      .then(() => this.options.process(key, this.abort.signal))
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(key);
        const due = this.again.get(key);
        if (due !== undefined) {
          this.again.delete(key);
          this.add(key, due - this.clock.now());
        }
        this.dispatch();
      });
    this.inFlight.set(key, run);
  }

  private armTimer(due: number): void {
    if (this.timer && this.timer.due <= due) return;
    this.clearTimer();
    const handle = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.dispatch();
      },
      Math.max(0, due - this.clock.now()),
    );
    this.timer = { handle, due };
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimer(this.timer.handle);
    this.timer = undefined;
  }

  private changed(): void {
    this.options.onDepth?.(this.depth);
  }

  /** The earliest live entry, dropping entries replaced by a later add or a remove. */
  private peek(): Entry | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0] as Entry;
      if (this.waiting.get(top.key) === top) return top;
      this.pop();
    }
    return undefined;
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (heap.length === 0 || !last) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Entry, heap[smallest] as Entry)) smallest = left;
      if (right < heap.length && before(heap[right] as Entry, heap[smallest] as Entry)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Entry, heap[i] as Entry];
      i = smallest;
    }
  }
}

const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
const normalizeLimit = (n: number) => (n < 1 ? Number.POSITIVE_INFINITY : Math.floor(n));
