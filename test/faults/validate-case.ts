import { keyString } from "../../src/api/index.js";
import {
  crossValidate,
  formatError,
  printable,
  parseManifests,
  type LoadedObject,
  type LoadedPreview,
  type LoadResult,
  type ManifestError,
} from "../../src/manifests/index.js";
import { LAB_FILES, renderFile, type Case, type Doc, type LabFile } from "./corpus.js";

export interface Outcome {
  /** Objects without any error: what the runtime would converge (or validate only, for previews). */
  valid: (LoadedObject | LoadedPreview)[];
  errors: ManifestError[];
  lines: string[];
}

/** Validates the lab with one file replaced, as the file source's loader does, in memory. */
export class LabValidator {
  private readonly good = new Map<LabFile, LoadResult>();

  constructor(
    lab: Record<LabFile, Doc[]>,
    private readonly dir = "lab",
  ) {
    for (const file of LAB_FILES) this.good.set(file, parseManifests(renderFile(lab[file]), this.path(file)));
  }

  path(file: LabFile): string {
    return `${this.dir}/${file}`;
  }

  validate(replaced?: { file: LabFile; text: string }): Outcome {
    const loads = LAB_FILES.map((file) =>
      file === replaced?.file ? parseManifests(replaced.text, this.path(file)) : this.good.get(file)!,
    );
    const objects = loads.flatMap((l) => l.objects);
    const previews = loads.flatMap((l) => l.previews);
    const errors = [...loads.flatMap((l) => l.errors), ...crossValidate(objects, previews)];
    const id = (kind?: string, namespace?: string, name?: string) => `${kind}/${namespace}/${name}`;
    const bad = new Set(errors.map((e) => (e.key ? keyString(e.key) : id(e.kind, e.namespace, e.name))));
    const valid = [...objects, ...previews].filter(
      ({ object: o }) => !bad.has(id(o.kind, o.metadata.namespace, o.metadata.name)),
    );
    return { valid, errors, lines: errors.map(formatError) };
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What is wrong with how a case was rejected; empty when it was rejected as it should be. */
export function problems(c: Case, outcome: Outcome, file: string, checkOneLine: boolean): string[] {
  const out: string[] = [];
  const { expect } = c;
  const fromBroken = outcome.valid.filter(
    (o) => o.source.file === file && (expect.doc === 0 || o.source.doc === expect.doc),
  );
  if (fromBroken.length > 0)
    out.push(`accepted: ${fromBroken.map((o) => o.object.metadata.name).join(", ")}`);
  if (outcome.errors.length === 0) out.push("no error reported");
  if (checkOneLine) {
    for (const line of outcome.lines)
      if (/[\r\n]/.test(line)) out.push(`error is not one line: ${JSON.stringify(line)}`);
  }
  const own = outcome.errors.filter((e) => e.source.file === file).map(formatError);
  if (own.length === 0) out.push(`no error names ${file}`);
  if (expect.type === "field") {
    const who =
      expect.kind === undefined ? "" : ` ${printable(expect.kind)}/${printable(String(expect.name))}`;
    const head = `${file}:${expect.doc}${who} ${printable(expect.path)}`;
    const names = (l: string) => l.startsWith(head) && [".", "[", ":"].includes(l[head.length] ?? "");
    if (!own.some(names)) out.push(`no error names ${head.slice(0, 200)}`);
  }
  if (expect.type === "yaml") {
    const re = new RegExp(`^${escape(file)}:\\d+: YAML: .* at line \\d+, column \\d+$`);
    if (!own.some((l) => re.test(l))) out.push(`no YAML error with a line number for ${file}`);
  }
  return out;
}
