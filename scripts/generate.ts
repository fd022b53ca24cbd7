// Writes crds/ and schemas/ from the zod schemas in src/api.
// With --check, writes nothing and exits 1 listing the files that differ (CI drift check).
// Either way it refuses a field without a description: kubectl explain and editors show them.
// --check also fails on a schema field that src/ reads nowhere (scripts/field-usage.ts).
import { fileURLToPath } from "node:url";
import { generatedFiles, staleFiles, undescribedFields, writeFiles } from "../src/manifests/generated.js";
import { FIELD_USAGE_ALLOWED, fieldUsage } from "./field-usage.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const files = generatedFiles();

const undescribed = undescribedFields();
for (const line of undescribed) console.error(`no description: ${line}`);
if (undescribed.length > 0) {
  console.error(
    "describe each field in src/api with .describe() (one sentence: units, default, what the seed did)",
  );
  process.exit(1);
}

if (process.argv.includes("--check")) {
  const usage = fieldUsage(fileURLToPath(new URL("../src", import.meta.url)));
  for (const path of usage.unread) console.error(`read nowhere in src/: ${path}`);
  for (const path of usage.staleAllowed)
    console.error(`allowed but read now (or gone): ${path}: drop it from FIELD_USAGE_ALLOWED`);
  if (usage.unread.length + usage.staleAllowed.length > 0) {
    console.error(
      "a field src/ reads nowhere is accepted and does nothing: implement it, remove it from src/api, " +
        "or list it in FIELD_USAGE_ALLOWED (scripts/field-usage.ts) with the reason",
    );
    process.exit(1);
  }
  const allowed = Object.keys(FIELD_USAGE_ALLOWED).length;
  console.log(
    `every schema field is read in src/${allowed ? ` (${allowed} allowed not to be, with reasons)` : ""}`,
  );
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
