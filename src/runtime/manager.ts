import { keyString, ConditionType, Reason, type Kind, type LabObject, type ObjectKey } from "../api/index.js";
import type { Logger } from "../log.js";
import type { Origin, SourceHandler } from "../sources/source.js";
import { Backoff } from "./backoff.js";
import { ObjectCache, objectKey } from "./cache.js";
import { markReconciling, removeCondition, setCondition, isTrue, getCondition } from "./conditions.js";
import { dependentsOf, readersOf } from "./dependencies.js";
import { KeyedMutex } from "./keyedmutex.js";
import type { ReconcileContext, Reconciler, StepEvent } from "./reconciler.js";
import { emptyState, recordEvent, type ObjectState, type StateStore } from "./state.js";
import { WorkQueue } from "./workqueue.js";

export interface ManagerOptions {
  reconcilers: Record<Kind, Reconciler>;
  states: StateStore;
  log: Logger;
  workers?: number;
  mutate?: boolean;
}

export type StepListener = (kind: ObjectKey["kind"], event: StepEvent, key: ObjectKey) => void;
export type ReconcileListener = (key: ObjectKey, outcome: "ok" | "error", durationMs: number) => void;

/**
 * The controller manager: sources feed the cache, every change only enqueues a key, and
 * workers run the kind's reconciler for a key with per-key backoff on error.
 */
export class ControllerManager implements SourceHandler {
  readonly cache = new ObjectCache();
  readonly queue = new WorkQueue();
  readonly hostLock = new KeyedMutex();
  private readonly backoff = new Backoff();
  private readonly abort = new AbortController();
  private readonly keys = new Map<string, ObjectKey>();
  private workers: Promise<void>[] = [];
  private isSynced = false;
  private sourceErrorList: string[] = [];
  private readonly listeners: ReconcileListener[] = [];
  private readonly invalidUnseen = new Map<string, string[]>();
  private readonly stepListeners: StepListener[] = [];
  /** Keys reconciled at least once since start. */
  readonly reconciledOnce = new Set<string>();

  constructor(private readonly opts: ManagerOptions) {}

  /** Called after every reconcile (metrics, progress, settle checks). */
  onReconciled(listener: ReconcileListener): void {
    this.listeners.push(listener);
  }

  /** Called when a step starts or ends. */
  onStep(listener: StepListener): void {
    this.stepListeners.push(listener);
  }

  private notify(key: ObjectKey, outcome: "ok" | "error", started: number): void {
    this.reconciledOnce.add(keyString(key));
    for (const listener of this.listeners) listener(key, outcome, Date.now() - started);
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  get sourceErrorsSeen(): string[] {
    return this.sourceErrorList;
  }

  // --- SourceHandler: events only enqueue keys ---
  upsert(object: LabObject, origin: Origin): void {
    if (!this.cache.upsert(object, origin)) return;
    this.enqueue(objectKey(object));
    for (const reader of readersOf(object)) this.enqueue(reader);
  }

  invalid(key: ObjectKey, errors: string[]): void {
    if (this.cache.get(key)) {
      if (this.cache.markInvalid(key, errors)) this.enqueue(key);
    } else {
      // Not seen valid in this process: its last good spec may be in saved state.
      this.invalidUnseen.set(keyString(key), errors);
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
    this.queue.add(id);
  }

  /**
   * Objects known only from saved state: kept with their last good spec when their input is
   * invalid now, deleted when their manifest went away while we were down.
   */
  async adoptSavedState(): Promise<void> {
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
    const n = this.opts.workers ?? 4;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Stop taking keys, let running reconciles finish their current step, then return. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const id = await this.queue.get();
      if (id === undefined) return;
      const started = Date.now();
      let outcome: "ok" | "error" | undefined;
      try {
        outcome = await this.reconcileKey(id);
      } catch (err) {
        // The state store failed (an API server restarting): never let that end a worker.
        outcome = "error";
        this.opts.log.warn(
          { key: id, err: (err as Error).message },
          "state store failed; retrying with backoff",
        );
        this.queue.addAfter(id, this.backoff.next(id));
      } finally {
        this.queue.done(id);
      }
      // After done(): listeners (settle checks) see the key as no longer pending.
      const key = this.keys.get(id);
      if (outcome && key) this.notify(key, outcome, started);
    }
  }

  private async reconcileKey(id: string): Promise<"ok" | "error" | undefined> {
    const key = this.keys.get(id);
    const entry = key && this.cache.get(key);
    if (!key || !entry) return undefined;
    const log = this.opts.log.child({ kind: key.kind, namespace: key.namespace, name: key.name });
    const state = await this.prepareState(
      key,
      entry.object,
      entry.specHash,
      entry.inputErrors,
      entry.deleting,
    );
    const readyBefore = isTrue(state.status.conditions, ConditionType.Ready);
    const ctx: ReconcileContext = {
      key,
      entry,
      state,
      checkpoint: () => this.opts.states.save(state),
      cache: this.cache,
      states: this.opts.states,
      hostLock: this.hostLock,
      log,
      signal: this.abort.signal,
      mutate: this.opts.mutate ?? true,
      emitStep: (event) => {
        for (const listener of this.stepListeners) listener(key.kind, event, key);
      },
    };
    let outcome: "ok" | "error" = "ok";
    try {
      const result = await this.opts.reconcilers[key.kind](ctx);
      this.backoff.forget(id);
      if (result.deleted) {
        await this.finishDeletion(key);
        return "ok";
      }
      await this.opts.states.save(state);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(id, result.requeueAfterMs);
    } catch (err) {
      outcome = "error";
      await this.recordFailure(ctx, err as Error);
      this.queue.addAfter(id, this.backoff.next(id));
    }
    if (readyBefore !== isTrue(state.status.conditions, ConditionType.Ready)) {
      for (const dependent of dependentsOf(this.cache, key)) this.enqueue(dependent);
    }
    return outcome;
  }

  /** Load state, bump the generation on a spec change, and report invalid input. */
  private async prepareState(
    key: ObjectKey,
    object: LabObject,
    hash: string,
    inputErrors: string[],
    deleting: boolean,
  ): Promise<ObjectState> {
    const state =
      (await this.opts.states.load(key.kind, key.namespace, key.name)) ??
      emptyState(key.kind, key.namespace, key.name);
    state.createdAt ??= new Date().toISOString();
    if (state.specHash !== hash && !deleting) {
      state.generation += 1;
      state.specHash = hash;
      state.lastGoodObject = object;
    }
    // Kubernetes mode: the API server's generation is the one kubectl and kstatus compare.
    const served = object.metadata.generation;
    if (served !== undefined && !deleting && !inputErrors.length) state.generation = served;
    const conditions = state.status.conditions;
    state.status.conditions = inputErrors.length
      ? setCondition(
          conditions,
          {
            type: "InputValid",
            status: "False",
            reason: Reason.InvalidSpec,
            message: `latest manifest is invalid, last good spec kept: ${summarizeErrors(inputErrors)}`,
          },
          state.generation,
        )
      : removeCondition(conditions, "InputValid");
    return state;
  }

  private async recordFailure(ctx: ReconcileContext, err: Error): Promise<void> {
    const { state, log } = ctx;
    log.warn({ err: err.message }, "reconcile failed; retrying with backoff");
    const reason = errorReason(err);
    if (getCondition(state.status.conditions, ConditionType.Stalled)?.status !== "True") {
      state.status.conditions = markReconciling(
        state.status.conditions,
        reason,
        err.message,
        state.generation,
      );
    }
    recordEvent(state, "Warning", reason, err.message);
    await this.opts.states.save(state);
  }

  private async finishDeletion(key: ObjectKey): Promise<void> {
    const gone = this.cache.get(key)?.object;
    await this.opts.states.remove(key.kind, key.namespace, key.name);
    this.cache.forget(key);
    for (const dependent of dependentsOf(this.cache, key)) this.enqueue(dependent);
    for (const reader of gone ? readersOf(gone) : []) this.enqueue(reader);
  }
}

/** At most this many input errors are spelled out in a condition message. */
const ERRORS_IN_MESSAGE = 5;

function summarizeErrors(errors: string[]): string {
  const shown = errors.slice(0, ERRORS_IN_MESSAGE).join("; ");
  const more = errors.length - ERRORS_IN_MESSAGE;
  return more > 0 ? `${shown}; and ${more} more (labctl validate lists them all)` : shown;
}

export function errorReason(err: Error): string {
  switch (err.name) {
    case "Unreachable":
    case "HostKeyChanged":
    case "CommandFailed":
    case "CommandTimeout":
    case "AuthFailed":
      return err.name === "CommandTimeout" ? Reason.CommandFailed : err.name;
    default:
      return "ReconcileError";
  }
}
