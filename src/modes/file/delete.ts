import { resolve } from "node:path";
import { keyString, type LabObject } from "../../api/index.js";
import { objectGraph, reconcilersFor } from "../../controllers/index.js";
import type { Logger } from "../../log.js";
import { objectKey } from "../../runtime/cache.js";
import { teardown, type TeardownReport } from "../../runtime/teardown.js";
import { loadValidManifests } from "../../sources/manifestloader.js";
import { FileStateStore } from "./filestate.js";
import { createWorkspaceHosts } from "./hosts.js";
import { OverlayStateStore } from "./overlaystate.js";
import { stateDirOf } from "./run.js";

export interface DeleteOptions {
  manifests: string[];
  workspace: string;
  stateDir?: string;
  /** Plan the cleanup only: read-only host access, saved state and workspace untouched. */
  dryRun: boolean;
}

export interface DeleteOutcome {
  /** Input errors: nothing was deleted (a half-read lab would lose its Manager under its VMs). */
  sourceErrors: string[];
  ok: boolean;
  /** How many objects the manifests hold. */
  objects: number;
}

/**
 * `labctl delete -f DIR`: remove what the lab's objects created, and nothing else, through
 * the operator's own cleanup path, VMs first and Managers last. Each object is cleaned up as
 * it was last applied (its saved last good spec, which its ownership records match), else as
 * the manifest has it; `deletionPolicy: Orphan` in either leaves it in place.
 */
export async function deleteFileMode(
  opts: DeleteOptions,
  log: Logger,
  report: (event: TeardownReport) => void,
): Promise<DeleteOutcome> {
  const loaded = await loadValidManifests(opts.manifests.map((p) => resolve(p)));
  if (loaded.errors.length) return { sourceErrors: loaded.errors.map((e) => e.line), ok: false, objects: 0 };
  const saved = new FileStateStore(stateDirOf(opts));
  const objects: LabObject[] = [];
  for (const { object } of loaded.objects) {
    const key = objectKey(object);
    const applied = (await saved.load(key.kind, key.namespace, key.name))?.lastGoodObject;
    objects.push(asApplied(object, applied));
  }
  const named = new Set(objects.map((o) => keyString(objectKey(o))));
  const staying = (await saved.list())
    .filter((s) => !named.has(keyString(s)) && s.lastGoodObject)
    .map((s) => s.lastGoodObject!);
  const hosts = createWorkspaceHosts(opts.workspace, log, { readOnly: opts.dryRun });
  try {
    const ok = await teardown(objects, {
      reconcilers: reconcilersFor(hosts),
      states: opts.dryRun ? new OverlayStateStore(saved) : saved,
      graph: objectGraph,
      log,
      mutate: !opts.dryRun,
      report,
      staying,
    });
    return { sourceErrors: [], ok, objects: objects.length };
  } finally {
    await hosts.close();
  }
}

/** The object as last applied, kept Orphan when either version says so. */
function asApplied(manifest: LabObject, applied: LabObject | undefined): LabObject {
  if (!applied || keyString(objectKey(applied)) !== keyString(objectKey(manifest))) return manifest;
  if (manifest.spec.deletionPolicy !== "Orphan") return applied;
  return { ...applied, spec: { ...applied.spec, deletionPolicy: "Orphan" } } as LabObject;
}
