import { keyString, managerRefOf, type LabManager, type LabObject, type ObjectKey } from "../api/index.js";
import { isTrue } from "../machines/conditions.js";
import type { ReconcileContext } from "./contract.js";

export type Resolved =
  { ready: true; objects: ReadonlyMap<string, LabObject> } | { ready: false; message: string };

/** The objects `keys` name once every one is Ready; else what is waited for, in one sentence. */
export async function resolveDependencies(ctx: ReconcileContext, keys: ObjectKey[]): Promise<Resolved> {
  const objects = new Map<string, LabObject>();
  for (const key of keys) {
    const entry = ctx.cache.get(key);
    const state =
      entry && !entry.deleting ? await ctx.states.load(key.kind, key.namespace, key.name) : undefined;
    if (!entry || entry.deleting || !isTrue(state?.status.conditions, "Ready"))
      return { ready: false, message: `waiting for ${key.kind} ${key.name} to be Ready` };
    objects.set(keyString(key), entry.object);
  }
  return { ready: true, objects };
}

/**
 * The Manager an object being deleted is cleaned up on: the cached object even while it is
 * being deleted itself, else its last good object from saved state (its manifest may be
 * gone already).
 */
export async function managerForCleanup(
  ctx: ReconcileContext,
  object: LabObject,
): Promise<LabManager | undefined> {
  if (object.kind === "LabManager") return object;
  const key = managerRefOf(object);
  const cached = ctx.cache.get(key)?.object;
  if (cached) return cached as LabManager;
  const saved = await ctx.states.load(key.kind, key.namespace, key.name);
  return saved?.lastGoodObject as LabManager | undefined;
}

/**
 * Objects still on this LabManager: it waits for them to go first, as Kubernetes'
 * foreground deletion does, so bridges and vbmcd are never torn down under running VMs.
 */
export function dependentsStillThere(ctx: ReconcileContext, manager: LabObject): ObjectKey[] {
  if (manager.kind !== "LabManager") return [];
  const self = keyString(managerRefOf(manager));
  return ctx.cache
    .list()
    .map((e) => e.object)
    .filter((o) => o.kind !== "LabManager" && keyString(managerRefOf(o)) === self)
    .map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
}
