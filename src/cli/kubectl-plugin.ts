/**
 * `kubectl lab ...`: kubectl finds the `kubectl-lab` executable on PATH and runs it with the
 * words after `lab`. Each verb is the labctl command of the same name in Kubernetes mode;
 * kubectl's own flags (-n/--namespace, --context, --kubeconfig, -A for get) are labctl's.
 */
export const PLUGIN_VERBS = ["get", "describe", "graph", "diff", "suspend", "resume", "reconcile"] as const;

export const PLUGIN_USAGE = `kubectl lab: the lab operator's objects in the cluster (labctl in Kubernetes mode)

Usage: kubectl lab VERB [args] [-n NAMESPACE] [--context NAME] [--kubeconfig PATH]

Verbs:
  get [KIND]                 list objects with their Ready state (-n: one namespace; default all)
  describe KIND/NAME         conditions, last steps, drift repairs and events
  graph                      the lab's topology as Graphviz DOT
  diff -f DIR                what applying DIR changes: hosts (read-only) and a server-side dry run
  suspend KIND/NAME          stop reconciling an object until resumed
  resume KIND/NAME           reconcile a suspended object again
  reconcile KIND/NAME        reconcile an object now (--wait: until it settled)
`;

export type PluginArgv = { argv: string[] } | { usage: string; exitCode: number };

/** labctl's argv for the words kubectl passed to `kubectl-lab`. */
export function kubectlPluginArgv(words: readonly string[]): PluginArgv {
  const [verb, ...rest] = words;
  if (verb === undefined || verb === "-h" || verb === "--help" || verb === "help")
    return { usage: PLUGIN_USAGE, exitCode: 0 };
  if (!(PLUGIN_VERBS as readonly string[]).includes(verb))
    return {
      usage: `kubectl lab: unknown verb "${verb}": expected one of ${PLUGIN_VERBS.join(", ")}\n\n${PLUGIN_USAGE}`,
      exitCode: 2,
    };
  // kubectl's -A means every namespace: labctl's get and graph read every namespace without -n.
  const args = rest.filter((w) => w !== "-A" && w !== "--all-namespaces");
  return { argv: [verb, "--kubernetes", ...args] };
}

/**
 * kubectl (1.26+) completes `kubectl lab ...` by running `kubectl_complete-lab WORDS...` (the
 * last word is the one being completed): the verbs first, then labctl's own completion of
 * the verb in Kubernetes mode.
 */
export function kubectlCompletionWords(words: readonly string[]): { verbs: string[] } | { words: string[] } {
  if (words.length <= 1) {
    const current = words[0] ?? "";
    return { verbs: PLUGIN_VERBS.filter((v) => v.startsWith(current)) };
  }
  const [verb, ...rest] = words;
  return { words: [verb!, "--kubernetes", ...rest] };
}
