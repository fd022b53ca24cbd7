import { resolve } from "node:path";
import { rootLogger } from "../../log.js";
import { loadManifests } from "../../manifests/load.js";
import { FileStateStore } from "../../modes/file/filestate.js";
import { convergeFileMode } from "../../modes/file/run.js";
import { stateDirOf } from "../../modes/file/state-dir.js";
import { parseWorkerLimits } from "../../runtime/queues.js";
import type { LabObject } from "../../api/index.js";
import { fieldChanges } from "./fields.js";
import { diffReport, type ClusterDiff, type DiffReport } from "./report.js";

/**
 * The diff: saved state as it was (what was applied), the manifests (what is wanted), and a
 * read-only plan pass (convergeFileMode without mutate: hosts observed, nothing written, no
 * key authorized, saved state untouched).
 */
export async function runDiff(opts: {
  file: string[];
  workspace: string;
  stateDir?: string;
  timeout: string;
  workers: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  context?: string;
}): Promise<DiffReport> {
  const log = rootLogger();
  if (!process.env.LOG_LEVEL) log.level = "warn";
  const stateDir = stateDirOf(opts);
  const applied = await new FileStateStore(stateDir).list();
  const loaded = await loadManifests(opts.file.map((p) => resolve(p)));
  const outcome = await convergeFileMode(
    {
      manifests: opts.file,
      workspace: opts.workspace,
      stateDir,
      workers: parseWorkerLimits(opts.workers),
      mutate: false,
      timeoutMs: Number(opts.timeout) * 1000,
    },
    log,
  );
  const wanted = loaded.objects.map((o) => o.object);
  const cluster = opts.kubernetes ? await clusterDiffs(wanted, opts) : undefined;
  return diffReport(applied, wanted, outcome.states, outcome.sourceErrors, cluster);
}

/** Per object: the live custom resource against a server-side dry-run apply of the manifest. */
async function clusterDiffs(
  objects: LabObject[],
  opts: { kubeconfig?: string; context?: string },
): Promise<Map<string, ClusterDiff>> {
  const [{ kubernetesRuntime }, { serverDryRun }] = await Promise.all([
    import("../../modes/kubernetes/operator.js"),
    import("../../kube/dry-run.js"),
  ]);
  const { clients } = await kubernetesRuntime({ ...opts, namespaces: [], allNamespaces: true });
  const out = new Map<string, ClusterDiff>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    try {
      const { live, applied } = await serverDryRun(clients, o);
      const fields = live ? fieldChanges(live.spec, applied.spec, "spec") : [];
      out.set(key, { result: !live ? "new" : fields.length ? "changed" : "unchanged", fields });
    } catch (err) {
      const message = apiMessage(err);
      out.set(key, { result: "error", fields: [], message });
    }
  }
  return out;
}

/** The API server's own message (its Status body), else the error's. */
function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    if (typeof status?.message === "string") return status.message;
  } catch {
    // not a Status
  }
  return (err as Error).message;
}
