/** One field that differs: where, what was applied last, what the manifests want now. */
export interface FieldChange {
  path: string;
  /** JSON of the applied value; undefined when the field was not set. */
  applied?: string;
  /** JSON of the wanted value; undefined when the field is no longer set. */
  wanted?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The leaf fields in which two values differ, as paths (spec.bridges[0].stp), in a stable
 * order: object keys sorted, array items by index. Pure.
 */
export function fieldChanges(applied: unknown, wanted: unknown, path: string): FieldChange[] {
  if (isPlainObject(applied) && isPlainObject(wanted)) {
    const keys = [...new Set([...Object.keys(applied), ...Object.keys(wanted)])].sort();
    return keys.flatMap((k) => fieldChanges(applied[k], wanted[k], `${path}.${k}`));
  }
  if (Array.isArray(applied) && Array.isArray(wanted)) {
    const n = Math.max(applied.length, wanted.length);
    return Array.from({ length: n }, (_, i) => fieldChanges(applied[i], wanted[i], `${path}[${i}]`)).flat();
  }
  const a = applied === undefined ? undefined : JSON.stringify(applied);
  const w = wanted === undefined ? undefined : JSON.stringify(wanted);
  if (a === w) return [];
  return [{ path, ...(a === undefined ? {} : { applied: a }), ...(w === undefined ? {} : { wanted: w }) }];
}
