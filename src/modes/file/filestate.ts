import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KINDS, type Kind } from "../../api/names.js";
import type { ObjectState, StateStore } from "../../controllers/state.js";

/**
 * Object state as one JSON file per object under DIR/<kind>/<namespace>/<name>.json,
 * written atomically so a crash never leaves a torn file.
 */
export class FileStateStore implements StateStore {
  constructor(readonly dir: string) {}

  private path(kind: Kind, namespace: string, name: string): string {
    return join(this.dir, kind, namespace, `${name}.json`);
  }

  async load(kind: Kind, namespace: string, name: string): Promise<ObjectState | undefined> {
    try {
      return JSON.parse(await readFile(this.path(kind, namespace, name), "utf8")) as ObjectState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async save(state: ObjectState): Promise<void> {
    const path = this.path(state.kind, state.namespace, state.name);
    await mkdir(join(this.dir, state.kind, state.namespace), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, path);
  }

  async remove(kind: Kind, namespace: string, name: string): Promise<void> {
    await rm(this.path(kind, namespace, name), { force: true });
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
