import { z } from "zod";
import { KIND_INFO } from "./kinds.js";
import { API_VERSION, GROUP, type ApiKind } from "./meta.js";

/** A JSON Schema node as plain data. */
export type SchemaNode = { [key: string]: unknown };

/** zod writes JavaScript's safe-integer bounds on every .int(); they say nothing to a reader. */
const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * The JSON Schema (draft-07) of a kind's manifests as a user writes them: fields with
 * defaults are optional. Refinements zod cannot express are left out (`unrepresentable: any`);
 * our field schemas use regex/maxLength instead so the generated schema keeps them.
 */
export function kindJsonSchema(kind: ApiKind, schema: z.ZodType = KIND_INFO[kind].schema): SchemaNode {
  const raw = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "any",
  }) as SchemaNode;
  const { $schema, ...body } = stripSafeIntBounds(raw);
  return {
    $schema,
    $id: `https://${GROUP}/schemas/${kind.toLowerCase()}.json`,
    title: `${kind} (${API_VERSION})`,
    ...body,
  };
}

/** Drops the ±2^53 bounds zod writes on every .int(): they say nothing to a reader. */
export function stripSafeIntBounds(node: SchemaNode): SchemaNode {
  return mapNode(node, (n) => {
    const out: SchemaNode = { ...n };
    for (const key of ["minimum", "maximum"]) {
      if (typeof out[key] === "number" && SAFE_INT_BOUNDS.has(out[key])) delete out[key];
    }
    return out;
  });
}

/** Rebuild a schema tree bottom-up, applying `fn` to every schema node. */
export function mapNode(node: SchemaNode, fn: (n: SchemaNode) => SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && isNode(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([p, v]) => [p, mapNode(v as SchemaNode, fn)]));
    } else if ((key === "items" || key === "additionalProperties") && isNode(value)) {
      out[key] = mapNode(value, fn);
    } else if (["anyOf", "oneOf", "allOf"].includes(key) && Array.isArray(value)) {
      out[key] = value.map((v) => mapNode(v as SchemaNode, fn));
    } else {
      out[key] = value;
    }
  }
  return fn(out);
}

export function isNode(v: unknown): v is SchemaNode {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
