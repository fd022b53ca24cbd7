import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { API_VERSION } from "../../api/names.js";

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print labctl's version and the API version it serves")
    .action(() => {
      const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      console.log(`labctl ${pkg.version} (${API_VERSION}, node ${process.version})`);
    });
}
