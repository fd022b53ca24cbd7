import type { Command } from "commander";
import { fetchResults } from "../fetch-results.js";
import { withLabObjectOptions, type LabObjectOptions } from "../lab-object-options.js";
import { configuredAliases, existingConfig } from "../spawn-ssh.js";

/** `labctl fetch-results [ALIAS...]`: the Manager's and its VMs' logs and configuration. */
export function registerFetchResults(program: Command): void {
  withLabObjectOptions(
    program
      .command("fetch-results")
      .description(
        "copy logs and generated configuration from the Manager and its VMs into <workspace>/results/<time>/",
      )
      .option("--workspace <dir>", "workspace directory (ssh.config, keys, known_hosts)", "workspace"),
  )
    .argument(
      "[aliases...]",
      "only these of the lab's aliases (default: the Manager's root login and each VM)",
    )
    .action(async (aliases: string[], opts: LabObjectOptions) => {
      const [{ loadLabObjects }, { resultSourcesOf }] = await Promise.all([
        import("../lab-objects.js"),
        import("../lab-targets.js"),
      ]);
      const sources = resultSourcesOf(await loadLabObjects(opts), opts.manager);
      const known = sources.map((s) => s.alias);
      const unknown = aliases.filter((a) => !known.includes(a));
      if (unknown.length)
        throw new Error(
          `fetch-results: ${unknown.join(", ")}: not an alias of this lab (${known.join(", ")})`,
        );
      const configured = configuredAliases(existingConfig(opts.workspace));
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      for (const { alias, paths } of sources.filter((s) => !aliases.length || aliases.includes(s.alias))) {
        if (!configured.has(alias)) {
          console.log(`${alias}: not in ssh.config yet (not reached by labctl so far), skipped`);
          continue;
        }
        const dir = await fetchResults(opts.workspace, alias, paths, stamp);
        console.log(dir ? `${alias}: ${dir}` : `${alias}: nothing to fetch`);
      }
    });
}
