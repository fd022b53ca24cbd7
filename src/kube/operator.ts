import type { Kind } from "../api/index.js";
import type { Logger } from "../log.js";
import { KubernetesStateStore } from "../runtime/kubestate.js";
import { ControllerManager } from "../runtime/manager.js";
import type { Reconciler } from "../runtime/reconciler.js";
import type { StateStore } from "../runtime/state.js";
import { KubernetesSource } from "../sources/kubernetes/source.js";
import { kubeClients, loadKubeConfig, type KubeClients } from "./client.js";
import { EventRecorder } from "./events.js";
import { defaultIdentity, LeaderElector } from "./leader.js";

export const LEASE_NAME = "lab-operator-leader";

export { reconcilersFor } from "../controllers/index.js";

export interface KubernetesOperatorOptions {
  clients: KubeClients;
  /** Namespaces to serve; empty means all. */
  namespaces: string[];
  reconcilers: Record<Kind, Reconciler>;
  log: Logger;
  workers?: number;
  identity?: string;
}

/** Hooks into a leadership term; what it returns is called when the term ends. */
export type TermListener = (
  manager: ControllerManager,
  states: StateStore,
) => (() => Promise<void> | void) | void;

/** One leadership term's source, state store and controller manager (never reused after stop). */
export function createKubernetesOperator(opts: KubernetesOperatorOptions) {
  const identity = opts.identity ?? defaultIdentity();
  const events = new EventRecorder(opts.clients, identity, opts.log);
  const states = new KubernetesStateStore({
    clients: opts.clients,
    events,
    log: opts.log,
    namespaces: opts.namespaces,
  });
  const manager = new ControllerManager({
    reconcilers: withFinalizer(opts.reconcilers, states),
    states,
    log: opts.log,
    workers: opts.workers,
  });
  const source = new KubernetesSource({ clients: opts.clients, namespaces: opts.namespaces, log: opts.log });
  return { manager, source, states };
}

/** Every reconcile of an object that is not being deleted starts with our finalizer on it. */
function withFinalizer(
  reconcilers: Record<Kind, Reconciler>,
  states: KubernetesStateStore,
): Record<Kind, Reconciler> {
  const wrap =
    (reconcile: Reconciler): Reconciler =>
    async (ctx) => {
      if (!ctx.entry.deleting && ctx.mutate)
        await states.ensureFinalizer(ctx.key.kind, ctx.key.namespace, ctx.key.name);
      return reconcile(ctx);
    };
  return Object.fromEntries(Object.entries(reconcilers).map(([kind, r]) => [kind, wrap(r)])) as Record<
    Kind,
    Reconciler
  >;
}

export interface LeaderElectedOptions extends KubernetesOperatorOptions {
  leaseNamespace: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/**
 * Runs the operator only while this process holds the lease: becoming leader starts a
 * fresh term (source, store, manager); losing the lease stops it, letting each running
 * reconcile finish its current step. Terms never overlap within one process.
 */
export class LeaderElectedOperator {
  readonly elector: LeaderElector;
  private term?: ReturnType<typeof createKubernetesOperator>;
  private transitions: Promise<void> = Promise.resolve();
  private readonly termListeners: TermListener[] = [];
  private termCleanups: (() => Promise<void> | void)[] = [];

  constructor(private readonly opts: LeaderElectedOptions) {
    this.elector = new LeaderElector({
      clients: opts.clients,
      namespace: opts.leaseNamespace,
      leaseName: LEASE_NAME,
      identity: opts.identity,
      leaseDurationSeconds: opts.leaseDurationSeconds,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      log: opts.log,
      onStartedLeading: () => this.serialize(() => this.startTerm()),
      onStoppedLeading: () => this.serialize(() => this.stopTerm()),
    });
  }

  /** The running term's manager, while leading (for tests and metrics). */
  get manager(): ControllerManager | undefined {
    return this.term?.manager;
  }

  /**
   * Called with each leadership term's manager and state store before it starts (metrics and
   * libvirt event watchers hook in here); a returned function runs when the term ends.
   */
  onTerm(listener: TermListener): void {
    this.termListeners.push(listener);
  }

  /** Ready: the API server answers, and a leader has listed every object (a standby is ready). */
  get ready(): boolean {
    if (!this.elector.apiReachable) return false;
    return !this.elector.isLeader || Boolean(this.term?.manager.hasSynced);
  }

  start(): void {
    this.elector.start();
  }

  async stop(opts: { release?: boolean } = {}): Promise<void> {
    await this.elector.stop(opts);
    await this.transitions;
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    this.transitions = this.transitions.then(step, step);
    return this.transitions;
  }

  private async startTerm(): Promise<void> {
    const term = createKubernetesOperator({ ...this.opts, identity: this.elector.identity });
    this.term = term;
    this.termCleanups = this.termListeners.flatMap((listener) => listener(term.manager, term.states) ?? []);
    await term.source.start(term.manager);
    if (this.term !== term) return; // stopped while listing
    // An object whose spec is invalid now keeps the last good spec from its record.
    await term.manager.adoptSavedState();
    term.manager.start();
    this.opts.log.info(
      { namespaces: this.opts.namespaces.length ? this.opts.namespaces : "all" },
      "operator running",
    );
  }

  private async stopTerm(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    if (!term) return;
    await term.source.stop();
    await term.manager.stop();
    for (const cleanup of this.termCleanups.splice(0)) await cleanup();
    this.opts.log.info("operator stopped leading; state saved");
  }
}

export interface RunKubernetesOptions {
  kubeconfig?: string;
  namespaces: string[];
  allNamespaces: boolean;
  leaseNamespace?: string;
}

/** Clients and namespaces for `labctl run --kubernetes`. */
export async function kubernetesRuntime(opts: RunKubernetesOptions) {
  const config = loadKubeConfig(opts.kubeconfig);
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  const home = process.env.POD_NAMESPACE ?? contextNamespace ?? "default";
  const namespaces = opts.allNamespaces ? [] : opts.namespaces.length ? opts.namespaces : [home];
  const leaseNamespace = opts.leaseNamespace ?? home;
  return { clients: kubeClients(config), namespaces, leaseNamespace };
}
