import type { Command } from "commander";
import { formatError, validateManifests } from "../../manifests/index.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("validate manifests (files or directories) without touching any host")
    .requiredOption("-f, --filename <paths...>", "manifest files or directories (recursive, *.yaml|*.yml)")
    .action(async (opts: { filename: string[] }) => {
      const { objects, errors, skipped } = await validateManifests(opts.filename).catch((e: Error) => {
        console.error(`labctl validate: ${e.message}`);
        process.exit(2);
      });
      for (const error of errors) console.error(formatError(error));
      if (errors.length > 0) {
        console.error(`${errors.length} error${errors.length === 1 ? "" : "s"}`);
        process.exitCode = 1;
        return;
      }
      const note = skipped.length > 0 ? ` (${skipped.length} documents of other APIs skipped)` : "";
      console.log(`${objects.length} objects valid${note}`);
    });
}
