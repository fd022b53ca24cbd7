import { isNode, type SchemaNode } from "../api/index.js";
import { formatPath } from "./errors.js";

/**
 * Field paths in `doc` that the kind's JSON Schema does not declare. zod strips unknown keys
 * silently, so a typo (`spec.bridgez`) would otherwise be ignored. metadata and status are
 * skipped: the API server owns fields there that we do not model.
 */
export function unknownFields(doc: unknown, schema: SchemaNode): string[] {
  const found: string[] = [];
  walk(doc, schema, [], found);
  return found;
}

const SKIPPED_ROOT_FIELDS = new Set(["metadata", "status"]);

function walk(value: unknown, schema: SchemaNode, path: (string | number)[], found: string[]): void {
  if (Array.isArray(value)) {
    if (isNode(schema.items))
      value.forEach((v, i) => walk(v, schema.items as SchemaNode, [...path, i], found));
    return;
  }
  if (!isNode(value) || !isNode(schema.properties)) return;
  const properties = schema.properties as Record<string, SchemaNode>;
  for (const [field, child] of Object.entries(value)) {
    if (path.length === 0 && SKIPPED_ROOT_FIELDS.has(field)) continue;
    const childSchema = properties[field];
    if (childSchema) walk(child, childSchema, [...path, field], found);
    else if (schema.additionalProperties === undefined || schema.additionalProperties === false) {
      found.push(formatPath([...path, field]));
    }
  }
}
