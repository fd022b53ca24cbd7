import { resolve } from "node:path";
import type { HostAccess } from "../controllers/hostaccess.js";
import { reconcilersFor } from "../controllers/index.js";
import type { Logger } from "../log.js";
import { ControllerManager } from "../runtime/manager.js";
import { FileStateStore } from "../runtime/filestate.js";
import { OverlayStateStore } from "../runtime/memorystate.js";
import { FileSource } from "../sources/filesource.js";
import { loadValidManifests } from "../sources/manifestloader.js";
import { watchManagerEvents } from "./event-wiring.js";

export interface OperatorOptions {
  manifests: string[];
  stateDir: string;
  hosts: HostAccess;
  log: Logger;
  watch: boolean;
  mutate: boolean;
  workers?: number;
}

/** Wires the file source, state store and reconcilers into one controller manager. */
export function createFileOperator(opts: OperatorOptions) {
  const reconcilers = reconcilersFor(opts.hosts);
  const saved = new FileStateStore(resolve(opts.stateDir));
  const states = opts.mutate ? saved : new OverlayStateStore(saved);
  const manager = new ControllerManager({
    reconcilers,
    states,
    log: opts.log,
    mutate: opts.mutate,
    workers: opts.workers,
  });
  const source = new FileSource(
    opts.manifests.map((p) => resolve(p)),
    loadValidManifests,
    opts.log,
    opts.watch,
  );
  const events = opts.watch ? watchManagerEvents(manager, states, opts.hosts, opts.log) : undefined;
  return { manager, source, states, events };
}
