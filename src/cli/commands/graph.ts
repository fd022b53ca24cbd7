import type { Command } from "commander";
import { resolve } from "node:path";
import { stripControls } from "../../util/terminal.js";
import { openSavedState, withSavedStateOptions, type SavedStateOptions } from "../saved-state.js";

/** `labctl graph`: the lab's topology as Graphviz DOT (pipe into `dot -Tsvg`). */
export function registerGraph(program: Command): void {
  withSavedStateOptions(
    program
      .command("graph")
      .description(
        "print the lab's topology (Manager, bridges, networks, VMs) with Ready states as Graphviz DOT",
      ),
  )
    .option("-f, --file <path...>", "manifest files or directories (default: the objects in saved state)")
    .option("-n, --namespace <ns>", "with --kubernetes: only this namespace (default: all)")
    .option("-o, --output <format>", "dot or json", "dot")
    .action(async (opts: SavedStateOptions & { file?: string[]; output: string }) => {
      if (opts.output !== "dot" && opts.output !== "json")
        throw new Error(`--output: expected dot or json, got "${opts.output}"`);
      const [{ loadValidManifests }, { topologyOfSaved }, { toDot }] = await Promise.all([
        import("../../sources/manifestloader.js"),
        import("../../topology/collect.js"),
        import("../../topology/dot.js"),
      ]);
      const states = await (await openSavedState({ ...opts, allNamespaces: !opts.namespace })).list();
      let manifests;
      if (opts.file?.length) {
        const loaded = await loadValidManifests(opts.file.map((p) => resolve(p)));
        for (const e of loaded.errors) console.error(stripControls(e.line));
        if (loaded.errors.length) process.exitCode = 1;
        manifests = loaded.objects.map((o) => o.object);
      }
      const topology = topologyOfSaved(states, manifests);
      process.stdout.write(
        opts.output === "json" ? JSON.stringify(topology, null, 2) + "\n" : toDot(topology),
      );
    });
}
