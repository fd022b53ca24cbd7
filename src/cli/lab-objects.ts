import { relative, resolve } from "node:path";
import type { OvercloudNodeSet, TripleOUndercloud } from "../api/index.js";
import type { ObjectState } from "../controllers/state.js";
import { FileStateStore } from "../modes/file/filestate.js";
import { stateDirOf } from "../modes/file/state-dir.js";
import { readPasswordFile } from "../remote/password-prompt.js";
import { loadValidManifests } from "../sources/manifestloader.js";
import { bmcPassword } from "../steps/bmc/password.js";
import { Workspace } from "../workspace/workspace.js";
import type { LabObjectOptions } from "./lab-object-options.js";
import { nodePortKey, type BmcOwner, type LabObjects } from "./lab-targets.js";

export { withLabObjectOptions, type LabObjectOptions } from "./lab-object-options.js";

const shown = (path: string) => relative(process.cwd(), path) || ".";

/**
 * The objects the shortcuts take their aliases from: the manifests given with -f, else the
 * last good object of each saved state (what `labctl apply -f DIR` left in the state
 * directory), so that after an apply the shortcuts need no flag. What only converging
 * decides (the overcloud nodes' BMC ports) always comes from the saved status.
 */
export async function loadLabObjects(opts: LabObjectOptions): Promise<LabObjects> {
  const dir = stateDirOf(opts);
  const states = await new FileStateStore(dir).list();
  const nodeBmcPorts = savedNodePorts(states);
  if (opts.file.length) {
    const paths = opts.file.map((p) => resolve(p));
    const loaded = await loadValidManifests(paths);
    if (loaded.errors.length) throw new Error(loaded.errors.map((e) => e.line).join("\n"));
    return {
      objects: loaded.objects.map((o) => o.object),
      from: `the manifests ${opts.file.join(", ")}`,
      nodeBmcPorts,
    };
  }
  return {
    objects: states.flatMap((s) => (s.lastGoodObject ? [s.lastGoodObject] : [])),
    from: `the state directory ${shown(dir)}`,
    nodeBmcPorts,
  };
}

function savedNodePorts(states: ObjectState[]): Map<string, number> {
  const ports = new Map<string, number>();
  for (const state of states) {
    if (state.kind !== "OvercloudNodeSet" || !state.lastGoodObject) continue;
    const set = state.lastGoodObject as OvercloudNodeSet;
    const nodes = (state.status as { nodes?: { name: string; bmcPort?: number }[] }).nodes ?? [];
    for (const node of nodes)
      if (node.bmcPort !== undefined) ports.set(nodePortKey(set, node.name), node.bmcPort);
  }
  return ports;
}

/**
 * The IPMI password the operator gave the BMC: the spec.bmc.passwordRef file, else the one
 * generated once into the workspace (read, never created here).
 */
export async function bmcPasswordOf(workspaceDir: string, owner: BmcOwner): Promise<string> {
  return owner.kind === "TripleOUndercloud"
    ? undercloudBmcPassword(workspaceDir, owner.undercloud)
    : nodeBmcPassword(workspaceDir, owner.set, owner.node);
}

/** As the workspace store gives it to each node's BMC (src/modes/file/workspace-store.ts). */
async function nodeBmcPassword(workspaceDir: string, set: OvercloudNodeSet, node: string): Promise<string> {
  const file = set.spec.bmc.passwordRef?.file;
  if (file) return bmcPassword(await readPasswordFile(file), () => "", file);
  const owner = { kind: set.kind, namespace: set.metadata.namespace, name: set.metadata.name };
  const kept = await new Workspace(workspaceDir).peekPassword(owner, `bmc-${node}`);
  if (kept === undefined)
    throw new Error(
      `OvercloudNodeSet/${set.metadata.name}: no BMC password of ${node} in ${shown(resolve(workspaceDir))} yet: converge it first (labctl apply)`,
    );
  return bmcPassword(undefined, () => kept, node);
}

async function undercloudBmcPassword(workspaceDir: string, uc: TripleOUndercloud): Promise<string> {
  const file = uc.spec.bmc?.passwordRef?.file;
  if (file) return bmcPassword(await readPasswordFile(file), () => "", file);
  const owner = { kind: uc.kind, namespace: uc.metadata.namespace, name: uc.metadata.name };
  const domain = uc.spec.domainName ?? uc.metadata.name;
  const kept = await new Workspace(workspaceDir).peekPassword(owner, "bmc", `bmc@${domain}`);
  if (kept === undefined)
    throw new Error(
      `TripleOUndercloud/${uc.metadata.name}: no BMC password in ${shown(resolve(workspaceDir))} yet: converge it first (labctl apply)`,
    );
  return bmcPassword(undefined, () => kept, domain);
}
