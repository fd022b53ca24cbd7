import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { openSavedState } from "../saved-state.js";
import { sshConfigPathOf } from "../ssh-shortcuts.js";
import type { CompletionSources, ParsedFlags } from "./complete.js";

/**
 * Where completion finds names: the saved state (the state directory, or the cluster with
 * --kubernetes, with the words' --state-dir/--workspace/--kubeconfig/--context), and the
 * manifests given with -f; the workspace's ssh.config for host aliases. A source that cannot
 * be read offers nothing: completion never prints an error into the command line.
 */
export const completionSources: CompletionSources = {
  async objects(flags) {
    const found: Array<{ kind: string; namespace: string; name: string }> = [];
    try {
      const states = await openSavedState({
        workspace: first(flags, "workspace") ?? "workspace",
        stateDir: first(flags, "state-dir"),
        kubernetes: flags.kubernetes === true,
        kubeconfig: first(flags, "kubeconfig"),
        context: first(flags, "context"),
        allNamespaces: true,
      });
      for (const s of await states.list()) found.push({ kind: s.kind, namespace: s.namespace, name: s.name });
    } catch {
      // no state directory yet, or the cluster did not answer
    }
    const files = flags.file ?? flags.filename;
    if (Array.isArray(files)) {
      try {
        const { loadManifests } = await import("../../manifests/load.js");
        const loaded = await loadManifests(files.map((f) => resolve(f)));
        for (const { object } of [...loaded.objects, ...loaded.previews])
          found.push({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
      } catch {
        // a path that does not exist yet
      }
    }
    return found;
  },
  async sshAliases(flags) {
    try {
      const text = await readFile(sshConfigPathOf(first(flags, "workspace") ?? "workspace"), "utf8");
      return [...text.matchAll(/^\s*Host\s+(.+)$/gim)].flatMap((m) => m[1]!.trim().split(/\s+/));
    } catch {
      return [];
    }
  },
};

function first(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return Array.isArray(v) ? v[0] : undefined;
}
