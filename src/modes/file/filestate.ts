import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KINDS, type Kind } from "../../api/names.js";
import type { ObjectState, StateStore } from "../../controllers/state.js";

/**
 * Object state as one JSON file per object under DIR/<kind>/<namespace>/<name>.json,
 * written atomically so a crash never leaves a torn file.
 */
export class FileStateStore implements StateStore {
  /**
   * Each file's text as this process last read or wrote it. A no-op reconcile saves a state
   * equal to the one it loaded: that is not written again (no write per object per pass).
   */
  private readonly onDisk = new Map<string, string>();

  constructor(readonly dir: string) {}

  private path(kind: Kind, namespace: string, name: string): string {
    return join(this.dir, kind, namespace, `${name}.json`);
  }

  async load(kind: Kind, namespace: string, name: string): Promise<ObjectState | undefined> {
    const path = this.path(kind, namespace, name);
    try {
      const text = await readFile(path, "utf8");
      this.onDisk.set(path, text);
      return JSON.parse(text) as ObjectState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.onDisk.delete(path);
        return undefined;
      }
      throw err;
    }
  }

  async save(state: ObjectState): Promise<void> {
    const path = this.path(state.kind, state.namespace, state.name);
    const text = JSON.stringify(state, null, 2) + "\n";
    if (this.onDisk.get(path) === text) return;
    await mkdir(join(this.dir, state.kind, state.namespace), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
    this.onDisk.set(path, text);
  }

  async remove(kind: Kind, namespace: string, name: string): Promise<void> {
    const path = this.path(kind, namespace, name);
    this.onDisk.delete(path);
    await rm(path, { force: true });
  }

  async list(): Promise<ObjectState[]> {
    const states: ObjectState[] = [];
    for (const kind of KINDS) {
      for (const namespace of await entries(join(this.dir, kind))) {
        for (const file of await entries(join(this.dir, kind, namespace))) {
          if (!file.endsWith(".json")) continue;
          const state = await this.load(kind, namespace, file.slice(0, -".json".length));
          if (state) states.push(state);
        }
      }
    }
    return states;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
