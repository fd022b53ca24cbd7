/**
 * A de-duplicating work queue with the semantics of client-go's: a key waits at most once,
 * is never handed to two workers at once, and a key added while it is being processed is
 * handed out again after `done`.
 */
/** What the queue tells its metrics (client-go's queue metrics: adds, gets, dones). */
export interface QueueObserver {
  /** The key entered the queue (a duplicate add that was absorbed does not count). */
  added(key: string): void;
  /** A worker got the key. */
  taken(key: string): void;
  /** The worker is done with it. */
  done(key: string): void;
}

export class WorkQueue {
  observer?: QueueObserver;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.observer?.added(key);
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Into the queue, or straight to a worker that waits. */
  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observer?.taken(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Add after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at, timer });
  }

  /** The next key to process, or undefined once shut down. */
  async get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observer?.taken(key);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    this.observer?.done(key);
    // Added again while processed: counted when it was added; now it is queued.
    if (this.dirty.has(key)) this.push(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Waiting or being processed (a delayed addAfter does not count). */
  isPending(key: string): boolean {
    return this.dirty.has(key) || this.processing.has(key);
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
