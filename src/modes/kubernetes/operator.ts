import type { Kind } from "../../api/index.js";
import type { Reconciler } from "../../controllers/contract.js";
import type { HostAccess } from "../../controllers/hostaccess.js";
import type { KubeClients } from "../../kube/client.js";
import { kubeClients, loadKubeConfig } from "../../kube/client.js";
import { EventRecorder } from "../../kube/events.js";
import type { Logger } from "../../log.js";
import type { ControllerManager } from "../../runtime/manager.js";
import type { WorkerLimits } from "../../runtime/queues.js";
import { Operator } from "../../runtime/runner.js";
import { KubernetesSource } from "../../sources/kubernetes/source.js";
import { KubernetesStateStore } from "./kubestate.js";
import { defaultIdentity, LeaderElector } from "./leader.js";

export const LEASE_NAME = "lab-operator-leader";

export interface KubernetesOperatorOptions {
  clients: KubeClients;
  /** Namespaces to serve; empty means all. */
  namespaces: string[];
  reconcilers: Record<Kind, Reconciler>;
  log: Logger;
  workers?: WorkerLimits;
  identity?: string;
  /** With host access, Managers' event streams repair drift as in file mode. */
  hosts?: HostAccess;
}

/** One leadership term's operator: the API server's objects, status and records (never reused after stop). */
export function createKubernetesOperator(opts: KubernetesOperatorOptions): Operator {
  const identity = opts.identity ?? defaultIdentity();
  const events = new EventRecorder(opts.clients, identity, opts.log);
  const states = new KubernetesStateStore({
    clients: opts.clients,
    events,
    log: opts.log,
    namespaces: opts.namespaces,
  });
  const noHosts = () => Promise.reject(new Error("no host access in this operator"));
  return new Operator({
    source: new KubernetesSource({ clients: opts.clients, namespaces: opts.namespaces, log: opts.log }),
    states,
    reconcilers: withFinalizer(opts.reconcilers, states),
    hosts: opts.hosts ?? ({ manager: noHosts } as unknown as HostAccess),
    log: opts.log,
    mutate: true,
    workers: opts.workers,
    watchHosts: opts.hosts !== undefined,
  });
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
  private term?: Operator;
  private transitions: Promise<void> = Promise.resolve();
  private readonly termListeners: ((manager: ControllerManager) => void)[] = [];

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

  /** Called with each leadership term's manager before it starts (metrics count its reconciles). */
  onTerm(listener: (manager: ControllerManager) => void): void {
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
    for (const listener of this.termListeners) listener(term.manager);
    // An object whose spec is invalid now keeps the last good spec from its record.
    await term.start();
    this.opts.log.info(
      { namespaces: this.opts.namespaces.length ? this.opts.namespaces : "all" },
      "operator running",
    );
  }

  private async stopTerm(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    if (!term) return;
    await term.stop();
    this.opts.log.info("operator stopped leading; state saved");
  }
}

export interface RunKubernetesOptions {
  kubeconfig?: string;
  /** A kubeconfig context other than the current one (kubectl's --context). */
  context?: string;
  namespaces: string[];
  allNamespaces: boolean;
  leaseNamespace?: string;
}

/** Clients and namespaces for `labctl run --kubernetes`. */
export async function kubernetesRuntime(opts: RunKubernetesOptions) {
  const config = loadKubeConfig(opts.kubeconfig, opts.context);
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  const home = process.env.POD_NAMESPACE ?? contextNamespace ?? "default";
  const namespaces = opts.allNamespaces ? [] : opts.namespaces.length ? opts.namespaces : [home];
  const leaseNamespace = opts.leaseNamespace ?? home;
  return { clients: kubeClients(config), namespaces, leaseNamespace };
}
