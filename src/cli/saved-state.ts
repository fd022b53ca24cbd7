import type { Command } from "commander";
import { EventRecorder } from "../kube/events.js";
import { kubernetesRuntime } from "../kube/operator.js";
import { rootLogger } from "../log.js";
import { FileStateStore } from "../runtime/filestate.js";
import { KubernetesStateStore } from "../runtime/kubestate.js";
import type { StateStore } from "../runtime/state.js";
import { stateDirOf } from "./paths.js";

/** Where `get`, `describe` and `graph` read what the operator saved. */
export interface SavedStateOptions {
  workspace: string;
  stateDir?: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

/** The options of a command that reads saved state: a state directory, or a cluster. */
export function withSavedStateOptions(cmd: Command): Command {
  return cmd
    .option("--workspace <dir>", "workspace directory", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--kubernetes", "read the custom resources' state records from the cluster instead")
    .option("--kubeconfig <path>", "with --kubernetes: kubeconfig (default: $KUBECONFIG or ~/.kube/config)");
}

/**
 * File mode: the state directory. Kubernetes mode: the records the operator keeps next to
 * the custom resources (read only: nothing here saves, so no Event is ever emitted).
 */
export async function openSavedState(opts: SavedStateOptions): Promise<StateStore> {
  if (!opts.kubernetes) return new FileStateStore(stateDirOf(opts));
  const runtime = await kubernetesRuntime({
    kubeconfig: opts.kubeconfig,
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
