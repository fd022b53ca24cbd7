import type { Command } from "commander";

export function registerCrds(program: Command): void {
  program
    .command("crds")
    .description("print the CustomResourceDefinitions (YAML) to pipe into `kubectl apply -f -`")
    .action(async () => {
      const { allCrdsYaml } = await import("../../manifests/index.js");
      process.stdout.write(allCrdsYaml());
    });
}
