import type { Command } from "commander";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("validate manifests (files or directories) without touching any host")
    .requiredOption("-f, --filename <paths...>", "manifest files or directories (recursive, *.yaml|*.yml)")
    .action(async (opts: { filename: string[] }) => {
      // Not manifests/index.js: that also loads the generators (CRDs, chart, RBAC).
      const [{ formatError }, { validateManifests }] = await Promise.all([
        import("../../manifests/errors.js"),
        import("../../manifests/validate.js"),
      ]);
      const { objects, previews, errors, skipped } = await validateManifests(opts.filename).catch(
        (e: Error) => {
          console.error(`labctl validate: ${e.message}`);
          process.exit(2);
        },
      );
      for (const error of errors) console.error(formatError(error));
      if (errors.length > 0) {
        console.error(`${errors.length} error${errors.length === 1 ? "" : "s"}`);
        process.exitCode = 1;
        return;
      }
      const note = skipped.length > 0 ? ` (${skipped.length} documents of other APIs skipped)` : "";
      const preview =
        previews.length > 0
          ? ` (${previews.map((p) => `${p.object.kind}/${p.object.metadata.name}`).join(", ")}: validated only, no controller yet)`
          : "";
      console.log(`${objects.length + previews.length} objects valid${note}${preview}`);
    });
}
