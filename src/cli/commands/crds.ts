import type { Command } from "commander";
import { allCrdsYaml } from "../../manifests/index.js";

export function registerCrds(program: Command): void {
  program
    .command("crds")
    .description("print the CustomResourceDefinitions (YAML) to pipe into `kubectl apply -f -`")
    .action(() => {
      process.stdout.write(allCrdsYaml());
    });
}
