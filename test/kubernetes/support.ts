// Shared by the Kubernetes-mode tests: a real apiserver with our CRDs, clients, a recording
// SourceHandler and a polling helper. Every test file starts (and stops) its own apiserver.
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { keyString, KINDS, type Kind, type LabObject, type ObjectKey } from "../../src/api/index.js";
import { markReady } from "../../src/machines/conditions.js";
import type { Reconciler } from "../../src/controllers/contract.js";
import { recordEvent, type OwnedResource } from "../../src/controllers/state.js";
import { kubeClients, loadKubeConfig, type KubeClients } from "../../src/kube/client.js";
import type { Origin, SourceHandler } from "../../src/sources/source.js";
import { kubectl, startApiServer, type ApiServer } from "../e2e/support/apiserver.js";

export const CRDS = fileURLToPath(new URL("../../crds/", import.meta.url));
export const quietLog = pino({ level: process.env.LOG_LEVEL ?? "silent" });

export interface TestCluster {
  api: ApiServer;
  clients: KubeClients;
  kubectl(args: string[], input?: string): Promise<string>;
}

/** An apiserver with the generated CRDs applied and established. */
export async function startCluster(): Promise<TestCluster> {
  const api = await startApiServer();
  try {
    await kubectl(api, ["apply", "-f", CRDS]);
    await kubectl(api, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
  } catch (err) {
    await api.stop();
    throw err;
  }
  return {
    api,
    clients: kubeClients(loadKubeConfig(api.kubeconfig)),
    kubectl: (args, input) => kubectl(api, args, input),
  };
}

/**
 * A LabManager; by default on a host of its own (`<name>.managers.test`): two LabManagers on
 * one address and port are refused, in Kubernetes mode too.
 */
export function labManagerYaml(
  name: string,
  opts: { namespace?: string; address?: string; extra?: string } = {},
): string {
  return `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata:
  name: ${name}
  namespace: ${opts.namespace ?? "default"}
${opts.extra ?? ""}spec:
  address: ${opts.address ?? `${name}.managers.test`}
`;
}

/** Records what a source reports, in order. */
export class Recorder implements SourceHandler {
  readonly events: string[] = [];
  readonly objects = new Map<string, LabObject>();
  readonly errors: string[][] = [];

  upsert(object: LabObject, _origin: Origin): void {
    const key = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
    this.objects.set(keyString(key), object);
    this.events.push(`upsert ${keyString(key)} gen=${object.metadata.generation}`);
  }
  invalid(key: ObjectKey, errors: string[]): void {
    this.events.push(`invalid ${keyString(key)}: ${errors.join("; ")}`);
  }
  remove(key: ObjectKey): void {
    this.events.push(`remove ${keyString(key)}`);
  }
  sourceErrors(errors: string[]): void {
    this.errors.push(errors);
  }
  synced(): void {
    this.events.push("synced");
  }

  /** The first event matching, waiting for it up to timeoutMs. */
  async next(match: (e: string) => boolean, timeoutMs = 10_000, from = 0): Promise<string> {
    return eventually(
      () => this.events.slice(from).find(match),
      timeoutMs,
      () => this.events.join("\n  "),
    );
  }
}

/** Poll until check() returns something truthy, or fail with what was last seen. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms${why}\n  ${describe()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Reconcilers that only report Ready at the object's generation, as a converged no-op
 * reconcile does (no event, nothing owned): what costs the API server is then ours alone.
 */
export function readyReconcilers(
  onStart: (ctx: Parameters<Reconciler>[0]) => void | Promise<void>,
  result: { requeueAfterMs?: number } | (() => { requeueAfterMs?: number }) = {},
): Record<Kind, Reconciler> {
  const reconcile: Reconciler = async (ctx) => {
    await onStart(ctx);
    ctx.state.status.conditions = markReady(
      ctx.state.status.conditions,
      "Converged",
      "ok",
      ctx.state.generation,
    );
    ctx.state.status.observedGeneration = ctx.state.generation;
    return typeof result === "function" ? result() : { ...result };
  };
  return Object.fromEntries(KINDS.map((k) => [k, reconcile])) as Record<Kind, Reconciler>;
}

/** Marks Ready at the object's generation; on delete, "cleans up" (counted) unless Orphan. */
export function trivialReconcilers(
  cleanups: string[],
  onStart?: (ctx: Parameters<Reconciler>[0]) => Promise<void>,
): Record<Kind, Reconciler> {
  const reconcile: Reconciler = async (ctx) => {
    await onStart?.(ctx);
    if (ctx.entry.deleting) {
      if (ctx.entry.object.spec.deletionPolicy !== "Orphan") cleanups.push(ctx.key.name);
      return { deleted: true };
    }
    // Not a real kind of host object: the record must keep whatever a reconciler says it made.
    ctx.state.owned = [{ kind: "fake", name: ctx.key.name } as unknown as OwnedResource];
    ctx.state.status.conditions = markReady(
      ctx.state.status.conditions,
      "Converged",
      "trivially ready",
      ctx.state.generation,
    );
    ctx.state.status.observedGeneration = ctx.state.generation;
    recordEvent(ctx.state, "Normal", "Converged", `converged at generation ${ctx.state.generation}`);
    return {};
  };
  return Object.fromEntries(KINDS.map((k) => [k, reconcile])) as Record<Kind, Reconciler>;
}

/** The same clients, counting every call whose name says it writes. */
export function countingWrites(clients: KubeClients): { clients: KubeClients; writes: string[] } {
  const writes: string[] = [];
  const wrap = <T extends object>(api: T, name: string): T =>
    new Proxy(api, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (/^(create|replace|patch|delete)/.test(String(prop))) writes.push(`${name}.${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    writes,
    clients: {
      config: clients.config,
      custom: wrap(clients.custom, "custom"),
      core: wrap(clients.core, "core"),
      coordination: wrap(clients.coordination, "coordination"),
      events: wrap(clients.events, "events"),
    },
  };
}
