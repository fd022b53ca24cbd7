import { keyString, managerRefOf, type LabManager, type LabObject, type ObjectKey } from "../api/index.js";
import { isTrue } from "../machines/conditions.js";
import type { ReconcileContext } from "./contract.js";

export type Resolved =
  { ready: true; objects: ReadonlyMap<string, LabObject> } | { ready: false; message: string };

/**
 * The objects `keys` name once every one is Ready, as seen by this process; else what is
 * waited for, in one sentence.
 */
export async function resolveDependencies(ctx: ReconcileContext, keys: ObjectKey[]): Promise<Resolved> {
  const objects = new Map<string, LabObject>();
  for (const key of keys) {
    const entry = ctx.cache.get(key);
    const state =
      entry && !entry.deleting ? await ctx.states.load(key.kind, key.namespace, key.name) : undefined;
    if (!entry || entry.deleting || !isTrue(state?.status.conditions, "Ready"))
      return { ready: false, message: `waiting for ${key.kind} ${key.name} to be Ready` };
    if (!ctx.reportedSinceStart(key))
      return {
        ready: false,
        message: `waiting for ${key.kind} ${key.name}'s first reconcile since the operator started`,
      };
    objects.set(keyString(key), entry.object);
  }
  return { ready: true, objects };
}

/**
 * The Manager an object being deleted is cleaned up on (the one it was placed on): the
 * cached object even while it is being deleted itself, else its last good object from
 * saved state (its manifest may be gone already).
 */
export async function managerForCleanup(
  ctx: ReconcileContext,
  object: LabObject,
): Promise<LabManager | undefined> {
  if (object.kind === "LabManager") return object;
  const key = placedOn(ctx, object);
  const cached = ctx.cache.get(key)?.object;
  if (cached) return cached as LabManager;
  const saved = await ctx.states.load(key.kind, key.namespace, key.name);
  return saved?.lastGoodObject as LabManager | undefined;
}

/** The Manager key an object's effects are on: where it was placed, else its spec's. */
function placedOn(ctx: ReconcileContext, object: LabObject): ObjectKey {
  const ref = managerRefOf(object);
  return ctx.state.placedOn ? { ...ref, name: ctx.state.placedOn } : ref;
}

/**
 * Objects still on this LabManager (by spec, or placed there before a refused move): it
 * waits for them to go first, as Kubernetes' foreground deletion does, so bridges and
 * vbmcd are never torn down under running VMs.
 */
export async function dependentsStillThere(ctx: ReconcileContext, manager: LabObject): Promise<ObjectKey[]> {
  if (manager.kind !== "LabManager") return [];
  const self = keyString(managerRefOf(manager));
  const keys: ObjectKey[] = [];
  for (const { object: o } of ctx.cache.list()) {
    if (o.kind === "LabManager") continue;
    const key = { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
    const placed = (await ctx.states.load(o.kind, key.namespace, key.name))?.placedOn;
    const ref = managerRefOf(o);
    if (keyString(ref) === self || keyString({ ...ref, name: placed ?? ref.name }) === self) keys.push(key);
  }
  return keys;
}
