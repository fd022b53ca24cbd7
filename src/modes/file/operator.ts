import { resolve } from "node:path";
import type { HostAccess } from "../../controllers/hostaccess.js";
import type { StateStore } from "../../controllers/state.js";
import { reconcilersFor } from "../../controllers/index.js";
import type { Logger } from "../../log.js";
import type { WorkerLimits } from "../../runtime/queues.js";
import { Operator } from "../../runtime/runner.js";
import { FileSource } from "../../sources/filesource.js";
import { loadValidManifests } from "../../sources/manifestloader.js";
import { FileStateStore } from "./filestate.js";
import { MarkedSource } from "./marked-source.js";
import { Marks } from "./marks.js";
import { OverlayStateStore } from "./overlaystate.js";

/** `labctl suspend|resume|reconcile` marks of a state directory. */
export function marksOf(stateDir: string): Marks {
  return new Marks(resolve(stateDir, "marks"));
}

export interface FileOperatorOptions {
  manifests: string[];
  stateDir: string;
  hosts: HostAccess;
  log: Logger;
  /** Watch the manifests and the Managers' events (labctl run), or converge once. */
  watch: boolean;
  /** false for `labctl plan`: observe only, keep every write in memory. */
  mutate: boolean;
  workers?: WorkerLimits;
}

/** File mode: manifests on disk, state as JSON files under the state directory. */
export function createFileOperator(opts: FileOperatorOptions): Operator {
  const saved = new FileStateStore(resolve(opts.stateDir));
  const files = manifestSource(opts.manifests, saved, opts.log, opts.watch);
  return new Operator({
    source: new MarkedSource(files, marksOf(opts.stateDir), opts.log, opts.watch),
    states: opts.mutate ? saved : new OverlayStateStore(saved),
    reconcilers: reconcilersFor(opts.hosts),
    hosts: opts.hosts,
    log: opts.log,
    mutate: opts.mutate,
    workers: opts.workers,
    watchHosts: opts.watch,
  });
}

/**
 * The manifests as a source. What saved state knows counts as known, so a file that does not
 * load at start removes nothing: its objects keep their last good spec.
 */
export function manifestSource(
  manifests: string[],
  saved: StateStore,
  log: Logger,
  watch: boolean,
): FileSource {
  return new FileSource(
    manifests.map((p) => resolve(p)),
    loadValidManifests,
    log,
    watch,
    async () =>
      (await saved.list())
        .filter((s) => s.lastGoodObject)
        .map((s) => ({ kind: s.kind, namespace: s.namespace, name: s.name })),
  );
}
