import type { Kind } from "../../api/index.js";
import type { ObjectState, StateStore } from "../../controllers/state.js";

/**
 * Reads through to another store and keeps every write in memory: what `labctl plan`
 * uses, so a dry run never changes saved state.
 */
export class OverlayStateStore implements StateStore {
  private readonly written = new Map<string, ObjectState | null>();

  constructor(private readonly below: StateStore) {}

  async load(kind: Kind, namespace: string, name: string): Promise<ObjectState | undefined> {
    const id = `${kind}/${namespace}/${name}`;
    if (this.written.has(id)) return structuredClone(this.written.get(id) ?? undefined);
    return this.below.load(kind, namespace, name);
  }

  async save(state: ObjectState): Promise<void> {
    this.written.set(`${state.kind}/${state.namespace}/${state.name}`, structuredClone(state));
  }

  async remove(kind: Kind, namespace: string, name: string): Promise<void> {
    this.written.set(`${kind}/${namespace}/${name}`, null);
  }

  async list(): Promise<ObjectState[]> {
    const below = await this.below.list();
    const ids = new Set([...below.map((s) => `${s.kind}/${s.namespace}/${s.name}`), ...this.written.keys()]);
    const out: ObjectState[] = [];
    for (const id of [...ids].sort()) {
      const [kind, namespace, name] = id.split("/") as [Kind, string, string];
      const s = await this.load(kind, namespace, name);
      if (s) out.push(s);
    }
    return out;
  }
}
