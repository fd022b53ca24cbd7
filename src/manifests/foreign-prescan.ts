import { isForeignApiVersion } from "./decode.js";

/**
 * Counts the documents of a file that is, by its text alone, only documents of other APIs
 * (the CRDs and the operator's Deployment beside the lab's manifests): they are skipped
 * without composing their YAML, which is most of a cold `labctl validate` (a 100 KB CRD
 * file costs about 200 ms to parse in a fresh process, the split below 0.1 ms).
 *
 * Only a plain shape is recognised, so the answer never differs from a full parse: documents
 * separated by bare `---` lines (YAML forbids a document marker at column 0 inside any
 * scalar), no directives or `...`, each document a block mapping whose top-level lines are
 * plain keys (or items of a key's sequence), none twice, with a plain `apiVersion` of another
 * group and a plain `kind` that is not a List (which may hold our objects). Anything else
 * returns undefined: parse it all.
 * What is not checked is the YAML inside the foreign documents' values (a syntax error deep
 * in a CRD is kubectl's to report; no object of ours can hide in a document of another API).
 */
export function foreignDocumentCount(text: string): number | undefined {
  if (/^(%|\.\.\.)/m.test(text)) return undefined;
  const chunks = text.split(/^---[ \t]*(?:#.*)?\r?$/m);
  // Before the first `---` only comments and blank lines may stand (they start document 1).
  const leading = chunks[0] !== undefined && isBlank(chunks[0]);
  const documents = leading ? chunks.slice(1) : chunks;
  if (documents.length === 0) return undefined;
  for (const doc of documents) if (!isForeignDocument(doc)) return undefined;
  return documents.length;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*:(?:[ \t].*)?\r?$/;
const PLAIN_VALUE = /^[ \t]+([A-Za-z0-9][A-Za-z0-9./_-]*)[ \t]*(?:#.*)?\r?$/;

function isBlank(text: string): boolean {
  return text.split("\n").every((line) => /^[ \t]*(#.*)?\r?$/.test(line));
}

function isForeignDocument(doc: string): boolean {
  const values = new Map<string, string>();
  for (const line of doc.split("\n")) {
    if (/^[ \t]*(#.*)?\r?$/.test(line)) continue;
    if (line.startsWith(" ")) continue; // inside the value of the last top-level key
    // A block sequence may stand at its key's own indentation ("resources:\n- a.yaml").
    if (values.size > 0 && /^-(?:[ \t]|\r?$)/.test(line)) continue;
    if (!PLAIN_KEY.test(line)) return false; // a tab, a sequence, a flow, a quoted key...
    const key = line.slice(0, line.indexOf(":"));
    if (values.has(key)) return false; // a duplicate key is a YAML error: let the parser say it
    values.set(key, PLAIN_VALUE.exec(line.slice(key.length + 1))?.[1] ?? "");
  }
  const apiVersion = values.get("apiVersion") ?? "";
  const kind = values.get("kind") ?? "";
  return apiVersion !== "" && kind !== "" && !kind.endsWith("List") && isForeignApiVersion(apiVersion);
}
