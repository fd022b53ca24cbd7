import type { LabManager, LibvirtNetwork, TripleOUndercloud } from "../api/index.js";
import type { ReconcileContext } from "../runtime/reconciler.js";

/**
 * The Manager an object being deleted is cleaned up on: the cached object even while it is
 * being deleted itself, else its last good object from saved state (its manifest may be
 * gone already).
 */
export async function managerForCleanup(
  ctx: ReconcileContext,
  object: LibvirtNetwork | TripleOUndercloud,
): Promise<LabManager | undefined> {
  const key = {
    kind: "LabManager" as const,
    namespace: object.metadata.namespace,
    name: object.spec.managerRef.name,
  };
  const cached = ctx.cache.get(key)?.object;
  if (cached) return cached as LabManager;
  const saved = await ctx.states.load(key.kind, key.namespace, key.name);
  return saved?.lastGoodObject as LabManager | undefined;
}
