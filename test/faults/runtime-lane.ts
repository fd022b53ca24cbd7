/**
 * The file source and the controller manager in process, on a temp copy of the lab, with a
 * recording reconciler per kind instead of SSH: what the runtime would have converged.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  KINDS,
  keyString,
  labManagerSpec,
  libvirtNetworkSpec,
  tripleoUndercloudSpec,
  overcloudNodeSetSpec,
  type Kind,
  type LabObject,
  type ObjectKey,
} from "../../src/api/index.js";
import { stableJson } from "../../src/runtime/cache.js";
import { markReady } from "../../src/machines/conditions.js";
import { ControllerManager } from "../../src/runtime/manager.js";
import type { Reconciler } from "../../src/controllers/contract.js";
import { waitForSettled } from "../../src/runtime/settle.js";
import type { ObjectState, StateStore } from "../../src/controllers/state.js";
import { FileSource } from "../../src/sources/filesource.js";
import { loadValidManifests } from "../../src/sources/manifestloader.js";
import type { Origin, SourceHandler } from "../../src/sources/source.js";
import type { LabFile } from "./corpus.js";

class MemoryStates implements StateStore {
  private readonly states = new Map<string, ObjectState>();
  async load(kind: Kind, namespace: string, name: string) {
    const s = this.states.get(`${kind}/${namespace}/${name}`);
    return s && structuredClone(s);
  }
  async save(state: ObjectState) {
    this.states.set(`${state.kind}/${state.namespace}/${state.name}`, structuredClone(state));
  }
  async remove(kind: Kind, namespace: string, name: string) {
    this.states.delete(`${kind}/${namespace}/${name}`);
  }
  async list() {
    return [...this.states.values()].map((s) => structuredClone(s));
  }
}

/** One spec a reconciler was asked to converge. */
export interface Seen {
  key: string;
  spec: unknown;
}

/** Forwards to the manager; counts reloads (one sourceErrors per reload) and removals. */
class Tap implements SourceHandler {
  reloads = 0;
  removed: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(private readonly next: SourceHandler) {}
  upsert(object: LabObject, origin: Origin): void {
    this.next.upsert(object, origin);
  }
  invalid(key: ObjectKey, errors: string[], origin: Origin): void {
    this.next.invalid(key, errors, origin);
  }
  remove(key: ObjectKey): void {
    this.removed.push(keyString(key));
    this.next.remove(key);
  }
  sourceErrors(errors: string[]): void {
    this.next.sourceErrors(errors);
    this.reloads += 1;
    for (const w of this.waiters.splice(0)) w();
  }
  synced(): void {
    this.next.synced();
  }
  async reloadAfter(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.reloads <= count) {
      if (Date.now() > deadline) throw new Error(`no reload within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

const CHANGE_THROTTLE_MS = 60;

export class RuntimeLane {
  readonly seen: Seen[] = [];
  private lastReload = 0;
  private readonly states = new MemoryStates();
  readonly manager: ControllerManager;
  private readonly tap: Tap;
  private readonly source: FileSource;

  private constructor(
    readonly dir: string,
    private readonly good: Record<LabFile, string>,
  ) {
    const record: Reconciler = async (ctx) => {
      this.seen.push({ key: keyString(ctx.key), spec: structuredClone(ctx.entry.object.spec) });
      if (ctx.entry.deleting) return { deleted: true };
      const { status, generation } = ctx.state;
      status.conditions = markReady(status.conditions, "Converged", "recorded", generation);
      status.observedGeneration = generation;
      return {};
    };
    const reconcilers = Object.fromEntries(KINDS.map((k) => [k, record])) as Record<Kind, Reconciler>;
    this.manager = new ControllerManager({
      reconcilers,
      states: this.states,
      log: pino({ level: "silent" }),
    });
    this.tap = new Tap(this.manager);
    this.source = new FileSource([dir], loadValidManifests, pino({ level: "silent" }));
  }

  static async start(good: Record<LabFile, string>): Promise<RuntimeLane> {
    const dir = await mkdtemp(join(tmpdir(), "lab-faults-"));
    for (const [file, text] of Object.entries(good)) await writeFile(join(dir, file), text);
    const lane = new RuntimeLane(dir, good);
    lane.manager.start();
    await lane.source.start(lane.tap);
    await lane.settle();
    return lane;
  }

  get removed(): string[] {
    return this.tap.removed;
  }

  /** Write a file, wait for the source to reload it and the manager to settle. */
  async write(file: LabFile, bytes: Buffer | string): Promise<void> {
    const before = this.tap.reloads;
    // chokidar drops (does not defer) a change within 50 ms of the last one on the same path.
    await new Promise((r) => setTimeout(r, Math.max(0, this.lastReload + CHANGE_THROTTLE_MS - Date.now())));
    await writeFile(join(this.dir, file), bytes);
    await this.tap.reloadAfter(before, 10_000);
    this.lastReload = Date.now();
    await this.settle();
  }

  async restore(file: LabFile): Promise<void> {
    await this.write(file, this.good[file]);
  }

  async settle(): Promise<void> {
    const outcome = await waitForSettled(this.manager, this.states, { timeoutMs: 10_000 });
    if (!outcome.ok) throw new Error(`not settled: ${outcome.notReady.map((s) => s.name).join(", ")}`);
  }

  /** Kind/name -> spec JSON of every object the manager holds, with its flags. */
  snapshot(): Map<string, { spec: string; deleting: boolean; inputErrors: string[] }> {
    return new Map(
      this.manager.cache
        .list()
        .map((e) => [
          `${e.object.kind}/${e.object.metadata.name}`,
          { spec: stableJson(e.object.spec), deleting: e.deleting, inputErrors: e.inputErrors },
        ]),
    );
  }

  async inputValid(kindName: string): Promise<{ status: string; message: string } | undefined> {
    const [kind, name] = kindName.split("/") as [Kind, string];
    const state = await this.states.load(kind, "default", name);
    return state?.status.conditions.find((c) => c.type === "InputValid");
  }

  async stop(): Promise<void> {
    await this.source.stop();
    await this.manager.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A spec a reconciler saw is valid for its kind. */
const SPEC = {
  LabManager: labManagerSpec,
  LibvirtNetwork: libvirtNetworkSpec,
  TripleOUndercloud: tripleoUndercloudSpec,
  OvercloudNodeSet: overcloudNodeSetSpec,
};
export function validSpec(seen: Seen): boolean {
  const kind = seen.key.split("/")[0] as Kind;
  return SPEC[kind].safeParse(seen.spec).success;
}
