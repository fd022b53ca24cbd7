import type { LabObject } from "../api/index.js";
import type { DesiredObjects } from "../controllers/contract.js";
import type { ObjectState, StateStore } from "../controllers/state.js";
import { buildTopology, type Topology } from "./model.js";

/** The running operator's topology: objects in its cache (not being deleted) and their state. */
export async function topologyOfOperator(cache: DesiredObjects, states: StateStore): Promise<Topology> {
  const objects = cache
    .list()
    .filter((e) => !e.deleting)
    .map((e) => e.object);
  return buildTopology({ objects, states: await states.list() });
}

/**
 * Offline topology (`labctl graph`): the manifests' objects when given, else the last good
 * object of every saved state, so a graph works with only a workspace.
 */
export function topologyOfSaved(states: ObjectState[], manifests?: LabObject[]): Topology {
  const objects = manifests ?? states.flatMap((s) => (s.lastGoodObject ? [s.lastGoodObject] : []));
  return buildTopology({ objects, states });
}
