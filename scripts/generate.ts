// Writes crds/ and schemas/ from the zod schemas in src/api.
// With --check, writes nothing and exits 1 listing the files that differ (CI drift check).
import { fileURLToPath } from "node:url";
import { generatedFiles, staleFiles, writeFiles } from "../src/manifests/generated.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const files = generatedFiles();

if (process.argv.includes("--check")) {
  const stale = await staleFiles(root, files);
  for (const path of stale) console.error(`out of date: ${path}`);
  if (stale.length > 0) {
    console.error("run `npm run generate` and commit the result");
    process.exit(1);
  }
  console.log(`${files.size} generated files up to date`);
} else {
  await writeFiles(root, files);
  console.log(`wrote ${files.size} files: ${[...files.keys()].join(", ")}`);
}
