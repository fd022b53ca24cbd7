import { V1MicroTime, type V1Lease } from "@kubernetes/client-node";
import { hostname } from "node:os";
import type { Logger } from "../../log.js";
import { apiErrorLine, isConflict, isNotFound, type KubeClients } from "../../kube/client.js";

export interface LeaderElectionOptions {
  clients: KubeClients;
  namespace: string;
  leaseName: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  /** Called (not awaited) when this process becomes the leader; its work runs until onStoppedLeading. */
  onStartedLeading(): void | Promise<void>;
  /** Called once leadership is lost or given up; stop everything onStartedLeading started. */
  onStoppedLeading(): void | Promise<void>;
}

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}`;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: try
 * to acquire every retryPeriod; a lease is free when its holder is empty or the record has
 * not changed for leaseDuration by our own clock (so clock skew between nodes does not
 * matter); the leader renews every retryPeriod and steps down when it could not renew
 * within renewDeadline. Updates are guarded by resourceVersion, so two candidates never
 * both win. stop() releases the lease so a successor takes over at once.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed?: { key: string; at: number };
  private leading = false;
  private reachable = false;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity ?? defaultIdentity();
    this.durationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Whether the API server answered the last attempt (for a readiness probe). */
  get apiReachable(): boolean {
    return this.reachable;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stop competing; a leader steps down and (unless `release: false`) frees the lease. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading) await this.stepDown();
    if (opts.release !== false) await this.release();
  }

  private async run(): Promise<void> {
    let lastRenew = 0;
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) break;
      if (ok) lastRenew = Date.now();
      if (ok && !this.leading) {
        this.leading = true;
        this.opts.log.info({ identity: this.identity, lease: this.opts.leaseName }, "became leader");
        // Not awaited: starting the work must never delay the next renewal.
        void Promise.resolve()
          .then(() => this.opts.onStartedLeading())
          .catch((err: Error) =>
            this.opts.log.error({ err: err.message }, "starting the leader's work failed"),
          );
      } else if (!ok && this.leading && Date.now() - lastRenew > this.renewDeadlineMs) {
        this.opts.log.warn({ identity: this.identity }, "could not renew the lease in time; stepping down");
        await this.stepDown();
      }
      await this.sleep(this.retryMs);
    }
  }

  private async stepDown(): Promise<void> {
    this.leading = false;
    await this.opts.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { clients, namespace, leaseName: name } = this.opts;
    try {
      const lease = await readLease(clients, namespace, name);
      this.reachable = true;
      if (!lease) {
        await clients.coordination.createNamespacedLease({ namespace, body: this.leaseBody(undefined) });
        return true;
      }
      if (!this.mayTake(lease)) return false;
      await clients.coordination.replaceNamespacedLease({ namespace, name, body: this.leaseBody(lease) });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      this.reachable = false;
      this.opts.log.warn({ err: apiErrorLine(err) }, "lease update failed");
      return false;
    }
  }

  /** Ours already, released, or unchanged for a whole lease duration as we observed it. */
  private mayTake(lease: V1Lease): boolean {
    const spec = lease.spec ?? {};
    if (!spec.holderIdentity || spec.holderIdentity === this.identity) return true;
    const key = `${spec.holderIdentity}|${String(spec.renewTime ?? "")}|${lease.metadata?.resourceVersion ?? ""}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const durationMs = (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
    return Date.now() - this.observed.at > durationMs;
  }

  private leaseBody(current: V1Lease | undefined): V1Lease {
    const spec = current?.spec ?? {};
    const now = new V1MicroTime();
    const takingOver = spec.holderIdentity !== this.identity;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { ...current?.metadata, name: this.opts.leaseName, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
        acquireTime: takingOver ? now : spec.acquireTime,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (current && takingOver ? 1 : 0),
      },
    };
  }

  /** Give the lease up (client-go's ReleaseOnCancel) so the next candidate need not wait. */
  private async release(): Promise<void> {
    const { clients, namespace, leaseName: name } = this.opts;
    try {
      const lease = await readLease(clients, namespace, name);
      if (!lease || lease.spec?.holderIdentity !== this.identity) return;
      const body: V1Lease = {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 },
      };
      await clients.coordination.replaceNamespacedLease({ namespace, name, body });
    } catch (err) {
      this.opts.log.warn({ err: apiErrorLine(err) }, "could not release the lease");
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

async function readLease(
  clients: KubeClients,
  namespace: string,
  name: string,
): Promise<V1Lease | undefined> {
  try {
    return await clients.coordination.readNamespacedLease({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
