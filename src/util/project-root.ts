import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * A path under lab-operator's own directory (configuration/, schemas/, package.json, test/),
 * found by walking up from this module to our package.json: the same answer from src/, from
 * dist/ and from the bundled CLI in dist/labctl/, whose chunks sit at other depths.
 */
export function projectPath(...segments: string[]): string {
  root ??= findRoot(dirname(fileURLToPath(import.meta.url)));
  return join(root, ...segments);
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "lab-operator"
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`lab-operator's package.json is not above ${from}`);
  }
}
