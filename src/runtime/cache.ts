import { createHash } from "node:crypto";
import {
  keyOf,
  keyString,
  reconcileRequestOf,
  SUSPENDED_ANNOTATION,
  type Kind,
  type LabObject,
  type ObjectKey,
  type Origin,
} from "../api/index.js";
import type { DesiredEntry, DesiredObjects } from "../controllers/contract.js";

/** The desired state the reconcilers read: the last good object of every key. */
export type CacheEntry = DesiredEntry;

export function objectKey(object: LabObject): ObjectKey {
  return keyOf(object);
}

export function specHash(object: LabObject): string {
  return createHash("sha256").update(stableJson(object.spec)).digest("hex").slice(0, 16);
}

export class ObjectCache implements DesiredObjects {
  private readonly entries = new Map<string, CacheEntry>();

  get(key: ObjectKey): CacheEntry | undefined {
    return this.entries.get(keyString(key));
  }

  /** Store an object; returns whether anything a reconciler reads changed. */
  upsert(object: LabObject, origin: Origin): boolean {
    const key = keyString(objectKey(object));
    const hash = specHash(object);
    const before = this.entries.get(key);
    const changed =
      !before ||
      before.specHash !== hash ||
      before.inputErrors.length > 0 ||
      before.deleting ||
      before.object.metadata.generation !== object.metadata.generation ||
      requests(before.object) !== requests(object);
    this.entries.set(key, { object, origin, specHash: hash, inputErrors: [], deleting: false });
    return changed;
  }

  /** Record invalid input for a key; the last good object (if any) stays. */
  markInvalid(key: ObjectKey, errors: string[]): boolean {
    const entry = this.entries.get(keyString(key));
    if (!entry) return false;
    const changed = entry.inputErrors.join("\n") !== errors.join("\n");
    entry.inputErrors = errors;
    return changed;
  }

  markDeleting(key: ObjectKey): boolean {
    const entry = this.entries.get(keyString(key));
    if (!entry || entry.deleting) return false;
    entry.deleting = true;
    return true;
  }

  /** Put back an object known only from saved state, to clean it up. */
  restoreForDeletion(object: LabObject): void {
    this.restore(object, [], true);
  }

  /** Put back the last good object of a key whose current input is invalid. */
  restoreLastGood(object: LabObject, inputErrors: string[]): void {
    this.restore(object, inputErrors, false);
  }

  private restore(object: LabObject, inputErrors: string[], deleting: boolean): void {
    const key = keyString(objectKey(object));
    if (this.entries.has(key)) return;
    this.entries.set(key, { object, origin: {}, specHash: specHash(object), inputErrors, deleting });
  }

  forget(key: ObjectKey): void {
    this.entries.delete(keyString(key));
  }

  list(kind?: Kind): CacheEntry[] {
    const all = [...this.entries.values()];
    return kind ? all.filter((e) => e.object.kind === kind) : all;
  }
}

/** JSON with sorted keys, so equal specs hash equally whatever the key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const fields = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What an object asks of the operator outside its spec (a reconcile request, a labctl
 * suspend mark): a change re-queues it, without a new generation.
 */
function requests(object: LabObject): string {
  return `${reconcileRequestOf(object) ?? ""}|${object.metadata.annotations?.[SUSPENDED_ANNOTATION] ?? ""}`;
}
