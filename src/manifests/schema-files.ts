import type { ApiKind } from "../api/index.js";

/** Where `npm run generate` writes a kind's JSON Schema, relative to the project root. */
export function schemaFileName(kind: ApiKind): string {
  return `schemas/${kind.toLowerCase()}.json`;
}
