// Every field a kind's schema accepts must act: some code in src/ outside src/api/ reads it.
// A field read nowhere is accepted and silently does nothing, which is worse than an error.
// `npm run generate:check` runs this and fails on a field read nowhere; FIELD_USAGE_ALLOWED
// lists the exceptions, each with its reason.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";
import { API_KINDS, isNode, kindJsonSchema, type SchemaNode } from "../src/api/index.js";

/**
 * Field path (as kindFieldPaths spells it) → why src/ does not read it yet. An entry whose
 * field is read (or gone) fails the check too, so the list only ever shrinks.
 */
export const FIELD_USAGE_ALLOWED: Record<string, string> = {};

/** The parts of a kind the check covers: what users write (spec) and what we report (status). */
const ROOTS = ["spec", "status"];

/** Folders and files of src/ that do not count as reading a field. */
const NOT_READERS = [
  // The schemas themselves: declaring a field is not using it.
  "api",
];

export interface FieldPath {
  /** `LabManager spec.bridges[].name`. */
  path: string;
  /** The last property name: what the code must mention. */
  leaf: string;
}

/** Every field path of a JSON Schema under `root`, through array items and unions (not map keys). */
export function fieldPaths(schema: SchemaNode, prefix: string): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: SchemaNode, path: string) => {
    if (isNode(node.properties))
      for (const [name, child] of Object.entries(node.properties)) {
        if (!isNode(child)) continue;
        const childPath = path ? `${path}.${name}` : name;
        out.push({ path: `${prefix} ${childPath}`, leaf: name });
        walk(child, childPath);
      }
    if (isNode(node.items)) walk(node.items, `${path}[]`);
    if (isNode(node.additionalProperties)) walk(node.additionalProperties, `${path}{}`);
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      const list = node[key];
      if (Array.isArray(list)) for (const branch of list) if (isNode(branch)) walk(branch, path);
    }
  };
  walk(schema, "");
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.path) && seen.add(f.path));
}

/** The spec and status field paths of every kind. */
export function kindFieldPaths(): FieldPath[] {
  return API_KINDS.flatMap((kind) => {
    const schema = kindJsonSchema(kind);
    return ROOTS.flatMap((root) => {
      const node = isNode(schema.properties) ? schema.properties[root] : undefined;
      return isNode(node)
        ? fieldPaths(node, kind).map((f) => ({ ...f, path: f.path.replace(" ", ` ${root}.`) }))
        : [];
    });
  });
}

export interface NamesUsed {
  /** `x.name`, `x?.name`, `x["name"]`, `{ name } = x`, `{ name: y } = x`, `"name" in x`. */
  read: Set<string>;
  /** Object literal keys, `{ name: v }` and `{ name }`: how status fields are written. */
  written: Set<string>;
}

/**
 * The property names a TypeScript source reads and writes. Names in comments, in type
 * declarations (an interface repeating a field reads nothing) and in other strings do not
 * count.
 */
export function namesUsed(source: string, fileName = "x.ts"): NamesUsed {
  const used: NamesUsed = { read: new Set(), written: new Set() };
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const nameOf = (n: ts.Node | undefined): string | undefined =>
    n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined;
  const visit = (node: ts.Node): void => {
    let read: string | undefined;
    if (ts.isPropertyAccessExpression(node)) read = nameOf(node.name);
    else if (ts.isElementAccessExpression(node)) read = nameOf(node.argumentExpression);
    else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent))
      read = nameOf(node.propertyName ?? node.name);
    else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword)
      read = nameOf(node.left);
    else if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
      const written = nameOf(node.name);
      if (written) used.written.add(written);
    }
    if (read) used.read.add(read);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return used;
}

/** Every .ts file under src/ that counts as a reader. */
function readerFiles(srcDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(srcDir, path).split(sep).join("/");
      if (NOT_READERS.some((p) => rel === p || rel.startsWith(`${p}/`))) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(srcDir);
  return out;
}

const isStatus = (f: FieldPath) => f.path.split(" ")[1]!.startsWith("status.");

export interface FieldUsage {
  /** Fields src/ never reads (a status field: never writes either), with no allow-list entry. */
  unread: string[];
  /** Allow-list entries that are no longer needed (the field is read, or gone). */
  staleAllowed: string[];
}

export function fieldUsage(
  srcDir: string,
  fields = kindFieldPaths(),
  allowed: Record<string, string> = FIELD_USAGE_ALLOWED,
): FieldUsage {
  const read = new Set<string>();
  const written = new Set<string>();
  for (const path of readerFiles(srcDir)) {
    const names = namesUsed(readFileSync(path, "utf8"), path);
    for (const name of names.read) read.add(name);
    for (const name of names.written) written.add(name);
  }
  // A spec field must be read to act; a status field acts once it is written (or read).
  const acts = (f: FieldPath) => read.has(f.leaf) || (isStatus(f) && written.has(f.leaf));
  const unread = fields.filter((f) => !acts(f)).map((f) => f.path);
  const known = new Set(fields.map((f) => f.path));
  const staleAllowed = Object.keys(allowed).filter((p) => !known.has(p) || !unread.includes(p));
  return { unread: unread.filter((p) => !(p in allowed)), staleAllowed };
}
