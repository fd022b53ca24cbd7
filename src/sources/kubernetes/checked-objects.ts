import { keyString, type Kind, type LabObject, type ObjectKey } from "../../api/index.js";
import { crossValidate, type LoadedObject } from "../../manifests/index.js";
import type { Origin, SourceHandler } from "../source.js";
import { decodeRaw, withDetach, type Decoded } from "./decode.js";
import type { RawObject } from "./watcher.js";

interface Entry {
  key: ObjectKey;
  origin: Origin;
  raw: RawObject;
  decoded: Decoded;
  /** Has a deletionTimestamp: judged once more, handed over for removal, then dropped. */
  deleting: boolean;
  /**
   * New with every delivery of the object, never reused: a good verdict is known unchanged
   * without comparing specs.
   */
  revision: number;
  /** creationTimestamp in ms, read once: the set is sorted by age on every change. */
  createdMs: number;
}

type Verdict = { ok: true; object: LabObject } | { ok: false; errors: string[] };

/**
 * The informers' current objects, checked as file mode checks a directory: each object with
 * its kind's schema, then all of them against each other (crossValidate: duplicates on one
 * Manager, overlapping subnets, two LabManagers on one host, ...). Every change re-checks the
 * set, so fixing or deleting one object clears the others it conflicted with. An object that
 * fails is handed over as invalid: the runtime keeps its last good spec (InputValid=False),
 * exactly as for a file that stops validating. Nothing is handed over before the initial
 * listing is complete, so no object is judged against a partial set.
 */
export class CheckedObjects {
  private readonly entries = new Map<string, Entry>();
  /** What was last handed over per object, so an unchanged verdict of another object is not repeated. */
  private readonly sent = new Map<string, string>();
  private errorLines = "";
  private live = false;
  private revisions = 0;

  constructor(private readonly handler: SourceHandler) {}

  /** An object listed or changed (kind as watched). */
  object(kind: Kind, key: ObjectKey, raw: RawObject, origin: Origin): void {
    const deleting = Boolean(raw.metadata.deletionTimestamp);
    const revision = ++this.revisions;
    const decoded = decodeRaw(kind, raw);
    this.entries.set(keyString(key), {
      key,
      origin,
      raw,
      decoded,
      deleting,
      revision,
      createdMs: createdAt(raw),
    });
    // The object delivered is handed over again (as every event was before: a re-list
    // delivers every object again); the others only when their verdict changed.
    if (this.live) this.evaluate(keyString(key));
  }

  /** An object gone from the API server. */
  deleted(key: ObjectKey): void {
    const id = keyString(key);
    this.entries.delete(id);
    this.sent.delete(id);
    this.handler.remove(key);
    if (this.live) this.evaluate();
  }

  /** The initial listing is complete: judge the whole set, and every change from now on. */
  synced(): void {
    this.live = true;
    this.evaluate();
  }

  private evaluate(delivered?: string): void {
    // An object being deleted is judged with the set it was part of, then leaves it: its
    // cleanup runs with its own current spec only if that spec was good.
    const deleting = [...this.entries.values()].filter((e) => e.deleting);
    if (deleting.length) {
      const verdicts = this.verdicts();
      for (const e of deleting) {
        const id = keyString(e.key);
        this.send(e, verdicts.get(id)!, true);
        this.handler.remove(e.key);
        this.entries.delete(id);
        this.sent.delete(id);
      }
    }
    const verdicts = this.verdicts();
    for (const e of this.entries.values()) {
      const id = keyString(e.key);
      this.send(e, verdicts.get(id)!, id === delivered);
    }
    this.reportErrors(verdicts);
  }

  /**
   * A conflict is reported on the object declared second, as in file mode; here "second" is
   * the younger (creationTimestamp, then namespace/name), not the order the informers happen
   * to deliver in, so a restart never moves the error to the object that was working.
   */
  private verdicts(): Map<string, Verdict> {
    const valid: LoadedObject[] = [...this.entries.values()]
      .sort(byAge)
      .flatMap((e) =>
        e.decoded.ok ? [{ object: e.decoded.object, source: { file: e.origin.file ?? "", doc: 0 } }] : [],
      );
    const crossErrors = new Map<string, string[]>();
    for (const error of crossValidate(valid, [], { missingReferences: false })) {
      if (!error.key) continue;
      const id = keyString(error.key);
      const line = error.path ? `${error.path}: ${error.message}` : error.message;
      crossErrors.set(id, [...(crossErrors.get(id) ?? []), line]);
    }
    const out = new Map<string, Verdict>();
    for (const [id, e] of this.entries) {
      const errors = crossErrors.get(id);
      if (!e.decoded.ok) out.set(id, e.decoded);
      else if (errors) out.set(id, { ok: false, errors });
      else out.set(id, { ok: true, object: withDetach(e.decoded.object, e.raw) });
    }
    return out;
  }

  /**
   * An entry's good verdict can only change with its own delivery (a new revision), which is
   * handed over anyway; others change with their errors. Comparing revisions instead of the
   * objects' JSON keeps an event O(N) in cheap steps: with 1,000 objects, serializing each
   * one on every event was most of an event's cost.
   */
  private send(e: Entry, verdict: Verdict, always: boolean): void {
    const id = keyString(e.key);
    const signature = verdict.ok ? `ok ${e.revision}` : `errors ${JSON.stringify(verdict.errors)}`;
    if (!always && this.sent.get(id) === signature) return;
    this.sent.set(id, signature);
    if (verdict.ok) this.handler.upsert(verdict.object, e.origin);
    else this.handler.invalid(e.key, verdict.errors, e.origin);
  }

  private reportErrors(verdicts: Map<string, Verdict>): void {
    const lines = [...verdicts].flatMap(([id, v]) => (v.ok ? [] : v.errors.map((line) => `${id}: ${line}`)));
    const text = lines.join("\n");
    if (text === this.errorLines) return;
    this.errorLines = text;
    this.handler.sourceErrors(lines);
  }
}

function createdAt(raw: RawObject): number {
  const at = raw.metadata.creationTimestamp as unknown;
  const ms = at === undefined ? NaN : new Date(at as string | Date).getTime();
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

function byAge(a: Entry, b: Entry): number {
  const key = (e: Entry) => `${e.key.namespace}/${e.key.name}`;
  return a.createdMs - b.createdMs || key(a).localeCompare(key(b));
}
