import { keyString, type Kind, type LabObject, type ObjectKey, type Origin } from "../api/index.js";
import type { Reconciler, StepEvent } from "../controllers/contract.js";
import { objectGraph } from "../controllers/index.js";
import type { StateStore } from "../controllers/state.js";
import type { Logger } from "../log.js";
import type { ObjectConditions } from "../observability/object-conditions.js";
import type { SourceHandler } from "../sources/source.js";
import { Backoff, jittered } from "../util/backoff.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { ObjectCache, objectKey } from "./cache.js";
import { dependentsOf, type ObjectGraph } from "./dependencies.js";
import { KindQueues, type WorkerLimits } from "./queues.js";
import { resultOf, type Instruments, type QueueInstrument, type ReconcileInstrument } from "./instruments.js";
import { reconcileOnce, reportInvalidInput, type ReconcileDeps, type Reconciled } from "./reconcile-once.js";

export interface ManagerOptions {
  reconcilers: Record<Kind, Reconciler>;
  states: StateStore;
  log: Logger;
  /** Workers per kind (one number for all, or per kind). */
  workers?: WorkerLimits;
  mutate?: boolean;
  /** Who waits for whom (default: as the kinds declare it). */
  graph?: ObjectGraph;
  /** Spread of resyncs around their interval (default ±10 %); 0 for none. */
  resyncJitter?: number;
  random?: () => number;
}

export type StepListener = (kind: ObjectKey["kind"], event: StepEvent, key: ObjectKey) => void;
export type ReconcileListener = (key: ObjectKey, outcome: "ok" | "error", durationMs: number) => void;

/**
 * The controller manager: sources feed the cache, every change only enqueues a key, and each
 * kind's workers run its reconciler for a key. A retryable failure backs off per key; a
 * terminal one waits for the resync (or a change) instead; resyncs are jittered.
 */
export class ControllerManager implements SourceHandler {
  readonly cache = new ObjectCache();
  readonly hostLock = new KeyedMutex();
  readonly queue: KindQueues;
  /** Keys reconciled at least once since start (after their queue let go of them). */
  readonly reconciledOnce = new Set<string>();
  /** Keys whose status this process saved since start: their Ready is not an earlier run's. */
  private readonly reported = new Set<string>();
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private readonly keys = new Map<string, ObjectKey>();
  private readonly graph: ObjectGraph;
  private workers: Promise<void>[] = [];
  private isSynced = false;
  private sourceErrorList: string[] = [];
  private readonly listeners: ReconcileListener[] = [];
  private readonly stepListeners: StepListener[] = [];
  private readonly invalidUnseen = new Map<string, string[]>();
  private reporting: Promise<void> = Promise.resolve();
  private readonly instruments = new Map<Kind, { reconciles: ReconcileInstrument; queue: QueueInstrument }>();
  private readonly conditions = new Map<string, ObjectConditions>();

  private readonly deps: ReconcileDeps;

  constructor(private readonly opts: ManagerOptions) {
    this.deps = {
      states: opts.states,
      cache: this.cache,
      hostLock: this.hostLock,
      log: opts.log,
      signal: this.abort.signal,
      mutate: opts.mutate ?? true,
      reportedSinceStart: (key) => this.reported.has(keyString(key)),
      emitStep: (key, event) => {
        for (const listener of this.stepListeners) listener(key.kind, event, key);
      },
    };
    this.queue = new KindQueues(opts.workers);
    this.graph = opts.graph ?? objectGraph;
    this.backoff = new Backoff(500, 5 * 60_000, opts.random);
  }

  /** Called after every reconcile (metrics, progress, settle checks). */
  onReconciled(listener: ReconcileListener): void {
    this.listeners.push(listener);
  }

  /** Called when a step starts or ends. */
  onStep(listener: StepListener): void {
    this.stepListeners.push(listener);
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  get sourceErrorsSeen(): string[] {
    return this.sourceErrorList;
  }

  /** Retries counted per key since its last success (backoff; a terminal failure counts none). */
  failuresOf(key: ObjectKey): number {
    return this.backoff.failuresOf(keyString(key));
  }

  // --- SourceHandler: events only enqueue keys ---
  upsert(object: LabObject, origin: Origin): void {
    if (!this.cache.upsert(object, origin)) return;
    this.enqueue(objectKey(object));
    for (const reader of this.graph.readers(object)) this.enqueue(reader);
  }

  invalid(key: ObjectKey, errors: string[]): void {
    if (this.cache.get(key)) {
      if (this.cache.markInvalid(key, errors)) this.enqueue(key);
    } else {
      // Not seen valid in this process: its last good spec may be in saved state.
      this.invalidUnseen.set(keyString(key), errors);
      this.reporting = this.reporting
        .then(() => reportInvalidInput(this.opts.states, key, errors, this.opts.mutate ?? true))
        .catch((err: Error) =>
          this.opts.log.warn({ err: err.message, key: keyString(key) }, "reporting invalid input"),
        );
    }
  }

  remove(key: ObjectKey): void {
    if (this.cache.markDeleting(key)) this.enqueue(key);
  }

  sourceErrors(errors: string[]): void {
    const fresh = errors.filter((line) => !this.sourceErrorList.includes(line));
    this.sourceErrorList = errors;
    for (const line of fresh) this.opts.log.error({ error: line }, "invalid input");
  }

  synced(): void {
    this.isSynced = true;
  }

  enqueue(key: ObjectKey): void {
    const id = keyString(key);
    this.keys.set(id, key);
    this.queue.of(key.kind).add(id);
  }

  /**
   * Objects known only from saved state: kept with their last good spec when their input is
   * invalid now, deleted when their manifest went away while we were down.
   */
  async adoptSavedState(): Promise<void> {
    await this.reporting;
    for (const state of await this.opts.states.list()) {
      const key = { kind: state.kind, namespace: state.namespace, name: state.name };
      if (this.cache.get(key) || !state.lastGoodObject) continue;
      const errors = this.invalidUnseen.get(keyString(key));
      if (errors) this.cache.restoreLastGood(state.lastGoodObject, errors);
      else this.cache.restoreForDeletion(state.lastGoodObject);
      this.enqueue(key);
    }
  }

  start(): void {
    for (const kind of Object.keys(this.opts.reconcilers) as Kind[]) {
      for (let i = 0; i < this.queue.workersOf(kind); i++) this.workers.push(this.work(kind));
    }
  }

  /** Stop taking keys, let running reconciles finish their current step, then return. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.queue.shutDown();
    await Promise.all(this.workers);
    await this.flushReports();
  }

  /** Invalid-input reports still being written to saved state (stop must not outrun them). */
  async flushReports(): Promise<void> {
    await this.reporting;
  }

  /**
   * Report reconciles and queues to metrics (controller-runtime's and client-go's names);
   * call before start().
   */
  instrument(instruments: Instruments): void {
    for (const kind of Object.keys(this.opts.reconcilers) as Kind[]) {
      const reconciles = instruments.reconciles(kind);
      reconciles.setMaxConcurrentReconciles(this.queue.workersOf(kind));
      const queue = instruments.queue(kind);
      this.queue.of(kind).observer = queue;
      this.instruments.set(kind, { reconciles, queue });
    }
  }

  /** Scrape time: the in-progress gauges of each queue. */
  sampleInstruments(): void {
    for (const { queue } of this.instruments.values()) queue.sample();
  }

  /** Every object's conditions as last saved (for labop_object_condition; no store read). */
  objectConditions(): ObjectConditions[] {
    return [...this.conditions.values()];
  }

  private async work(kind: Kind): Promise<void> {
    const queue = this.queue.of(kind);
    for (;;) {
      const id = await queue.get();
      if (id === undefined) return;
      const started = Date.now();
      const finished = this.instruments.get(kind)?.reconciles.started();
      let outcome: "ok" | "error" | undefined;
      try {
        const done = await this.reconcileKey(id);
        outcome = done?.outcome;
        finished?.(resultOf(done), { terminal: done?.outcome === "error" && done.next.retry !== "backoff" });
      } catch (err) {
        // The state store failed (an API server restarting): never let that end a worker.
        outcome = "error";
        finished?.("error");
        this.opts.log.warn(
          { key: id, err: (err as Error).message },
          "state store failed; retrying with backoff",
        );
        this.retryWithBackoff(kind, id);
      } finally {
        queue.done(id);
      }
      // After done(): listeners (settle checks) see the key as no longer pending.
      const key = this.keys.get(id);
      if (outcome && key) this.notify(key, outcome, started);
    }
  }

  private retryWithBackoff(kind: Kind, id: string): void {
    this.instruments.get(kind)?.queue.retried();
    this.queue.of(kind).addAfter(id, this.backoff.next(id));
  }

  private notify(key: ObjectKey, outcome: "ok" | "error", started: number): void {
    this.reconciledOnce.add(keyString(key));
    for (const listener of this.listeners) listener(key, outcome, Date.now() - started);
  }

  private async reconcileKey(id: string): Promise<Reconciled | undefined> {
    const key = this.keys.get(id);
    const entry = key && this.cache.get(key);
    if (!key || !entry) return undefined;
    const done = await reconcileOnce(this.deps, this.opts.reconcilers[key.kind], key, entry);
    const firstReport = !this.reported.has(id);
    if (done.deleted) this.reported.delete(id);
    else this.reported.add(id);
    const queue = this.queue.of(key.kind);
    if (done.next.retry === "backoff") this.retryWithBackoff(key.kind, id);
    else this.backoff.forget(id);
    if (done.deleted) this.conditions.delete(id);
    else this.conditions.set(id, { ...key, status: { conditions: done.state.status.conditions } });
    if (done.next.retry === "after")
      queue.addAfter(id, jittered(done.next.ms, this.opts.resyncJitter ?? 0.1, this.opts.random));
    if (done.deleted) this.forgetDeleted(key, entry.object);
    // A first report also counts: dependents waited for this process to look at the key.
    else if (done.readyChanged || firstReport)
      for (const d of dependentsOf(this.graph, this.cache, key)) this.enqueue(d);
    return done;
  }

  /**
   * Forget a deleted object; what waited for it, what read it and what it waited for (a
   * LabManager waiting for its dependents to go) look again.
   */
  private forgetDeleted(key: ObjectKey, gone: LabObject): void {
    this.cache.forget(key);
    for (const dependent of dependentsOf(this.graph, this.cache, key)) this.enqueue(dependent);
    for (const reader of this.graph.readers(gone)) this.enqueue(reader);
    for (const dep of this.graph.dependsOn(gone)) if (this.cache.get(dep)?.deleting) this.enqueue(dep);
  }
}
