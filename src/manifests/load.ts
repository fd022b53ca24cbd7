import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { KIND_INFO, kindJsonSchema, type Kind, type SchemaNode } from "../api/index.js";
import { decodeDocument, type LoadedObject } from "./decode.js";
import type { ManifestError, Source } from "./errors.js";
import { unknownFields } from "./unknown-fields.js";

export interface LoadResult {
  /** Valid objects, in file order then document order. */
  objects: LoadedObject[];
  /** One entry per problem; a bad document never hides the good ones. */
  errors: ManifestError[];
  /** Documents of other APIs (e.g. a Deployment next to the lab), left alone. */
  skipped: Source[];
  /** The files read, in load order. */
  files: string[];
}

const MANIFEST_FILE = /\.ya?ml$/;

/** Manifest files under the given files or directories (recursive, *.yaml|*.yml, sorted). */
export async function listManifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) files.push(...(await filesUnder(path)));
    else files.push(path);
  }
  return files;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile() && MANIFEST_FILE.test(entry.name)) files.push(path);
  }
  return files;
}

/** Load and validate every manifest under the given files or directories. */
export async function loadManifests(paths: readonly string[]): Promise<LoadResult> {
  const files = await listManifestFiles(paths);
  const result: LoadResult = { objects: [], errors: [], skipped: [], files };
  for (const file of files) {
    const text = await readFile(file, "utf8").catch((e: Error) => e);
    if (text instanceof Error) {
      result.errors.push({ source: { file, doc: 0 }, path: "", message: `cannot read: ${text.message}` });
      continue;
    }
    const one = parseManifests(text, file);
    result.objects.push(...one.objects);
    result.errors.push(...one.errors);
    result.skipped.push(...one.skipped);
  }
  return result;
}

/** Parse and validate the YAML documents of one file's text (pure; used by file watchers too). */
export function parseManifests(text: string, file: string): LoadResult {
  const result: LoadResult = { objects: [], errors: [], skipped: [], files: [file] };
  parseAllDocuments(text).forEach((document, index) => {
    const source = { file, doc: index + 1 };
    const yamlError = document.errors[0];
    if (yamlError) {
      result.errors.push({ source, path: "", message: `YAML: ${firstLine(yamlError.message)}` });
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return; // an empty document ("---" at the end)
    const decoded = decodeDocument(value, source);
    if (decoded.ok === "foreign") {
      result.skipped.push(source);
      return;
    }
    if (!decoded.ok) {
      result.errors.push(...decoded.errors);
      return;
    }
    const { kind, metadata } = decoded.loaded.object;
    const unknown = unknownFields(value, schemaOf(kind));
    if (unknown.length === 0) result.objects.push(decoded.loaded);
    for (const path of unknown) {
      const key = { kind, namespace: metadata.namespace, name: metadata.name };
      result.errors.push({ source, key, kind, name: metadata.name, path, message: "unknown field" });
    }
  });
  return result;
}

/** yaml's messages end "... at line 3, column 1:" followed by a code excerpt. */
function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/:$/, "");
}

const schemaCache = new Map<Kind, SchemaNode>();
function schemaOf(kind: Kind): SchemaNode {
  let schema = schemaCache.get(kind);
  if (!schema) {
    schema = kindJsonSchema(kind, KIND_INFO[kind].schema);
    schemaCache.set(kind, schema);
  }
  return schema;
}
