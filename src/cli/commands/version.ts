import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { API_VERSION } from "../../api/names.js";
import { projectPath } from "../../util/project-root.js";

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print labctl's version and the API version it serves")
    .action(() => {
      const pkg = JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as {
        version: string;
      };
      console.log(`labctl ${pkg.version} (${API_VERSION}, node ${process.version})`);
    });
}
