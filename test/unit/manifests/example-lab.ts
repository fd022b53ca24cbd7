/**
 * The example lab (manifests/*.yaml) as plain documents, to copy and break one field at a
 * time: written back to a temporary directory for `labctl validate` (file mode), or handed
 * to the Kubernetes source as custom resources.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { formatError, validateManifests } from "../../../src/manifests/index.js";

export type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec: Record<string, unknown>;
};

const DIR = fileURLToPath(new URL("../../../manifests/", import.meta.url));
export const EXAMPLE_FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** File name → its documents, fresh copies on every call. */
export function exampleLab(): Record<string, Doc[]> {
  return Object.fromEntries(
    EXAMPLE_FILES.map((f) => [
      f,
      parseAllDocuments(readFileSync(join(DIR, f), "utf8")).map((d) => d.toJS() as Doc),
    ]),
  );
}

/** The document of `kind`/`name` in the lab (to mutate in place). */
export function docOf(lab: Record<string, Doc[]>, kind: string, name: string): Doc {
  for (const docs of Object.values(lab)) {
    const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
    if (found) return found;
  }
  throw new Error(`${kind}/${name} is not in the example lab`);
}

/** `labctl validate` over the lab written to a temporary directory: its error lines, file names relative. */
export async function validateLab(lab: Record<string, Doc[]>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "lab-crossval-"));
  try {
    for (const [file, docs] of Object.entries(lab))
      await writeFile(join(dir, file), docs.map((d) => stringify(d)).join("---\n"));
    const { errors } = await validateManifests([dir]);
    return errors.map(formatError).map((line) => line.replace(`${dir}/`, ""));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Kubernetes mode reads no files: a `*Ref: {file: ...}` becomes a Secret of the namespace. */
export function secretRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(secretRefs);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) =>
      k.endsWith("Ref") && v && typeof v === "object" && "file" in v
        ? [k, { secretName: "lab-secrets", key: k }]
        : [k, secretRefs(v)],
    ),
  );
}
