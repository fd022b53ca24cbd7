import type { Command } from "commander";
import { FileStateStore } from "../modes/file/filestate.js";
import type { StateStore } from "../controllers/state.js";
import { stateDirOf } from "../modes/file/state-dir.js";

/** Where `get`, `describe` and `graph` read what the operator saved. */
export interface SavedStateOptions {
  workspace: string;
  stateDir?: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

/** The options of a command that reads saved state: a state directory, or a cluster. */
export function withSavedStateOptions(cmd: Command): Command {
  return cmd
    .option("--workspace <dir>", "workspace directory", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--kubernetes", "read the custom resources' state records from the cluster instead")
    .option("--kubeconfig <path>", "with --kubernetes: kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
    .option(
      "--context <name>",
      "with --kubernetes: the kubeconfig context to use (default: its current one)",
    );
}

/**
 * File mode: the state directory. Kubernetes mode: the records the operator keeps next to
 * the custom resources (read only: nothing here saves, so no Event is ever emitted). The
 * Kubernetes client loads only here: a file-mode `get` or `describe` starts without it.
 */
export async function openSavedState(opts: SavedStateOptions): Promise<StateStore> {
  if (!opts.kubernetes) return new FileStateStore(stateDirOf(opts));
  const [{ EventRecorder }, { kubernetesRuntime }, { rootLogger }, { KubernetesStateStore }] =
    await Promise.all([
      import("../kube/events.js"),
      import("../modes/kubernetes/operator.js"),
      import("../log.js"),
      import("../modes/kubernetes/kubestate.js"),
    ]);
  const runtime = await kubernetesRuntime({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    namespaces: opts.namespace ? [opts.namespace] : [],
    allNamespaces: Boolean(opts.allNamespaces),
  });
  const log = rootLogger();
  return new KubernetesStateStore({
    clients: runtime.clients,
    events: new EventRecorder(runtime.clients, "labctl", log),
    log,
    namespaces: runtime.namespaces,
  });
}
