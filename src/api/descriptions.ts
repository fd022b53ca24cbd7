import { isNode, type SchemaNode } from "./jsonschema.js";

/** A field's description is one sentence: it ends with a period and stays readable in `kubectl explain`. */
const MAX_DESCRIPTION = 240;

export interface DescriptionProblem {
  /** Dotted field path from the schema's root, `[]` for array items: `spec.bridges[].name`. */
  path: string;
  problem: string;
}

/**
 * Every field of a schema (each value under `properties`, at any depth, through array items,
 * map values and unions) that has no description, or one that is not a single readable
 * sentence. `kubectl explain` and editors show exactly this text, so a gap here is a gap
 * users see.
 */
export function descriptionProblems(
  schema: SchemaNode,
  root = "",
  opts: { exempt?: string[] } = {},
): DescriptionProblem[] {
  const out: DescriptionProblem[] = [];
  walk(schema, root, out);
  const exempt = new Set((opts.exempt ?? []).map((p) => (root ? `${root}.${p}` : p)));
  return out.filter((p) => !exempt.has(p.path));
}

function walk(node: SchemaNode, path: string, out: DescriptionProblem[]): void {
  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isNode(child)) continue;
      const childPath = path ? `${path}.${name}` : name;
      const problem = sentenceProblem(child.description);
      if (problem) out.push({ path: childPath, problem });
      walk(child, childPath, out);
    }
  }
  if (isNode(node.items)) walk(node.items, `${path}[]`, out);
  if (isNode(node.additionalProperties)) walk(node.additionalProperties, `${path}{}`, out);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const list = node[key];
    if (Array.isArray(list)) for (const branch of list) if (isNode(branch)) walk(branch, path, out);
  }
}

function sentenceProblem(description: unknown): string | undefined {
  if (typeof description !== "string" || description.trim() === "") return "has no description";
  if (!description.endsWith(".")) return "description does not end with a period";
  if (description.length > MAX_DESCRIPTION)
    return `description is ${description.length} characters (at most ${MAX_DESCRIPTION})`;
  return undefined;
}

/** Path → description of every described field, for comparing two renderings of one schema. */
export function descriptionsByPath(schema: SchemaNode): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (node: SchemaNode, path: string): void => {
    if (isNode(node.properties))
      for (const [name, child] of Object.entries(node.properties)) {
        if (!isNode(child)) continue;
        const childPath = path ? `${path}.${name}` : name;
        if (typeof child.description === "string") out.set(childPath, child.description);
        visit(child, childPath);
      }
    if (isNode(node.items)) visit(node.items, `${path}[]`);
    if (isNode(node.additionalProperties)) visit(node.additionalProperties, `${path}{}`);
  };
  visit(schema, "");
  return out;
}
