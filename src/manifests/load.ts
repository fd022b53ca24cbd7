import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, join, sep } from "node:path";
import { isMap, parseAllDocuments } from "yaml";
import { KIND_INFO, kindJsonSchema, type ApiKind, type SchemaNode } from "../api/index.js";
import { decodeDocument, isForeignApiVersion, type LoadedObject, type LoadedPreview } from "./decode.js";
import { printable, type ManifestError, type Source } from "./errors.js";
import { foreignDocumentCount } from "./foreign-prescan.js";
import { schemaFileName } from "./schema-files.js";
import { unknownFields } from "./unknown-fields.js";
import { projectPath } from "../util/project-root.js";

export interface LoadResult {
  /** Valid objects, in file order then document order. */
  objects: LoadedObject[];
  /** Valid objects of kinds nothing reconciles yet (PREVIEW_KINDS): validated, never applied. */
  previews: LoadedPreview[];
  /** One entry per problem; a bad document never hides the good ones. */
  errors: ManifestError[];
  /** Documents of other APIs (e.g. a Deployment next to the lab), left alone. */
  skipped: Source[];
  /** The files read, in load order (with the entries that could not be listed or followed). */
  files: string[];
}

const MANIFEST_FILE = /\.ya?ml$/;

/** The manifest files found, and the entries that could not be listed or followed. */
export interface ManifestFiles {
  files: string[];
  /** One per unreadable directory, broken symlink or symlink out of its manifest directory. */
  errors: ManifestError[];
  /** Every entry of files and errors, in the order found (errors print in this order). */
  order: string[];
}

/**
 * Manifest files under the given files or directories (recursive, *.yaml|*.yml, sorted).
 * Symlinks inside a directory are followed while they stay in it (each real file is read
 * once); one that points outside, dangles or loops is an error naming it, never skipped: a
 * skipped file would look like its objects were deleted.
 */
export async function scanManifestFiles(paths: readonly string[]): Promise<ManifestFiles> {
  const walk = new Walk();
  for (const path of paths) {
    const info = await stat(path).catch((e: Error) => e);
    if (info instanceof Error) walk.fail(path, `cannot read: ${reason(info)}`);
    else if (info.isDirectory()) await walk.directory(path, await realpath(path));
    else await walk.file(path);
  }
  return { files: walk.files, errors: walk.errors, order: walk.order };
}

/** The manifest files of scanManifestFiles, without the errors. */
export async function listManifestFiles(paths: readonly string[]): Promise<string[]> {
  return (await scanManifestFiles(paths)).files;
}

class Walk {
  readonly files: string[] = [];
  readonly errors: ManifestError[] = [];
  readonly order: string[] = [];
  private readonly seenFiles = new Set<string>();
  private readonly seenDirs = new Set<string>();

  fail(file: string, message: string): void {
    this.errors.push({ source: { file, doc: 0 }, path: "", message });
    this.order.push(file);
  }

  async file(path: string): Promise<void> {
    const real = await realpath(path).catch(() => path);
    if (this.seenFiles.has(real)) return;
    this.seenFiles.add(real);
    this.files.push(path);
    this.order.push(path);
  }

  async directory(dir: string, root: string): Promise<void> {
    const real = await realpath(dir).catch(() => dir);
    if (this.seenDirs.has(real)) return;
    this.seenDirs.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: Error) => e);
    if (entries instanceof Error) return this.fail(dir, `cannot read directory: ${reason(entries)}`);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      const manifest = MANIFEST_FILE.test(entry.name);
      if (entry.isSymbolicLink()) await this.symlink(path, manifest, root);
      else if (entry.isDirectory()) await this.directory(path, root);
      else if (manifest && entry.isFile()) await this.file(path);
      else if (manifest) this.fail(path, "not a regular file");
    }
  }

  private async symlink(path: string, manifest: boolean, root: string): Promise<void> {
    const target = await realpath(path).catch((e: Error) => e);
    if (target instanceof Error) {
      // Emacs marks a file being edited with a dangling symlink .#<name>: not a manifest.
      const editorLock = basename(path).startsWith(".#");
      if (manifest && !editorLock) this.fail(path, `cannot read: broken symlink (${reason(target)})`);
      return;
    }
    const info = await stat(target).catch((e: Error) => e);
    if (info instanceof Error) return manifest ? this.fail(path, `cannot read: ${reason(info)}`) : undefined;
    if (!manifest && !info.isDirectory()) return;
    if (target !== root && !target.startsWith(root + sep)) {
      return this.fail(path, `symlink points outside the manifest directory, to ${printable(target)}`);
    }
    if (info.isDirectory()) await this.directory(path, root);
    else if (info.isFile()) await this.file(path);
    else this.fail(path, "not a regular file");
  }
}

/** "EACCES: permission denied" from "EACCES: permission denied, open '/x'" (the file is named already). */
function reason(err: Error): string {
  return err.message.replace(/, \w+ '.*'$/s, "");
}

/**
 * Load and validate every manifest under the given files or directories. A file that cannot
 * be listed, read or parsed is an error naming it, and the other files still load.
 */
export async function loadManifests(paths: readonly string[]): Promise<LoadResult> {
  const { files, errors, order } = await scanManifestFiles(paths);
  const result: LoadResult = { objects: [], previews: [], errors, skipped: [], files: order };
  for (const file of files) {
    const bytes = await readFile(file).catch((e: Error) => e);
    if (bytes instanceof Error) {
      result.errors.push({ source: { file, doc: 0 }, path: "", message: `cannot read: ${reason(bytes)}` });
      continue;
    }
    if (bytes.includes(0) || !isUtf8(bytes)) {
      result.errors.push({
        source: { file, doc: 0 },
        path: "",
        message: "not a text file (binary or not UTF-8)",
      });
      continue;
    }
    const one = parseManifests(bytes.toString("utf8"), file);
    result.objects.push(...one.objects);
    result.previews.push(...one.previews);
    result.errors.push(...one.errors);
    result.skipped.push(...one.skipped);
  }
  return result;
}

/** Parse and validate the YAML documents of one file's text (pure; used by file watchers too). */
export function parseManifests(text: string, file: string): LoadResult {
  const foreign = foreignDocumentCount(text);
  if (foreign === undefined) return parseEveryDocument(text, file);
  const skipped = Array.from({ length: foreign }, (_, i) => ({ file, doc: i + 1 }));
  return { objects: [], previews: [], errors: [], skipped, files: [file] };
}

/** parseManifests without the text-only shortcut for files of other APIs (exported for its test). */
export function parseEveryDocument(text: string, file: string): LoadResult {
  const result: LoadResult = { objects: [], previews: [], errors: [], skipped: [], files: [file] };
  parseAllDocuments(text).forEach((document, index) => {
    const source = { file, doc: index + 1 };
    const yamlError = document.errors[0];
    if (yamlError) {
      result.errors.push({ source, path: "", message: `YAML: ${firstLine(yamlError.message)}` });
      return;
    }
    // A document of another API (a CRD, the operator's Deployment) is skipped as decodeDocument
    // would skip it, without converting it to JavaScript first (most of a big CRD's cost). A
    // List (kind *List, apiVersion v1) may hold our objects: decodeDocument looks inside.
    if (
      isMap(document.contents) &&
      isForeignApiVersion(document.get("apiVersion")) &&
      !String(document.get("kind")).endsWith("List")
    ) {
      result.skipped.push(source);
      return;
    }
    let value: unknown;
    try {
      value = document.toJS();
    } catch (err) {
      // e.g. "Excessive alias count indicates a resource exhaustion attack" (an alias bomb)
      result.errors.push({ source, path: "", message: `YAML: ${firstLine((err as Error).message)}` });
      return;
    }
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
    if (unknown.length === 0) {
      if (decoded.ok === true) result.objects.push(decoded.loaded);
      else result.previews.push(decoded.loaded);
    }
    for (const path of unknown) {
      const key =
        decoded.ok === true
          ? { kind: decoded.loaded.object.kind, namespace: metadata.namespace, name: metadata.name }
          : undefined;
      result.errors.push({
        source,
        ...(key ? { key } : {}),
        kind,
        name: metadata.name,
        namespace: metadata.namespace,
        path,
        message: "unknown field",
      });
    }
  });
  return result;
}

/** yaml's messages end "... at line 3, column 1:" followed by a code excerpt. */
function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/:$/, "");
}

const schemaCache = new Map<ApiKind, SchemaNode>();
function schemaOf(kind: ApiKind): SchemaNode {
  let schema = schemaCache.get(kind);
  if (!schema) {
    schema = generatedSchema(kind) ?? kindJsonSchema(kind, KIND_INFO[kind].schema);
    schemaCache.set(kind, schema);
  }
  return schema;
}

/**
 * The kind's JSON Schema as `npm run generate` wrote it to schemas/ (generate:check keeps it
 * equal to kindJsonSchema's): reading it costs about 1 ms, deriving it from zod about 60 ms
 * in a fresh process.
 */
function generatedSchema(kind: ApiKind): SchemaNode | undefined {
  try {
    return JSON.parse(readFileSync(projectPath(schemaFileName(kind)), "utf8")) as SchemaNode;
  } catch {
    return undefined;
  }
}
