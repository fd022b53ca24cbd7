import { readFile, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  keyString,
  RECONCILE_REQUESTED_AT,
  SUSPENDED_ANNOTATION,
  type LabObject,
  type ObjectKey,
} from "../../api/index.js";
import { writeFileAtomic } from "../../util/atomic.js";

/** What `labctl suspend|resume|reconcile` asks of an object in file mode, without editing its manifest. */
export interface Mark {
  suspend?: boolean;
  reconcileRequestedAt?: string;
}

/**
 * Marks in the state directory (<state>/marks/<Kind>/<namespace>/<name>.json): file mode's
 * spec.suspend and reconcile-requested-at, which a running `labctl run` honours at once
 * (it watches this directory). The manifests stay the user's: nothing here edits them.
 */
export class Marks {
  constructor(readonly dir: string) {}

  path(key: ObjectKey): string {
    return join(this.dir, key.kind, key.namespace, `${key.name}.json`);
  }

  async read(key: ObjectKey): Promise<Mark> {
    try {
      return JSON.parse(await readFile(this.path(key), "utf8")) as Mark;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
  }

  /** Change one object's mark; an empty mark removes its file. */
  async update(key: ObjectKey, change: (mark: Mark) => Mark): Promise<Mark> {
    const next = change(await this.read(key));
    const kept = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== false));
    if (Object.keys(kept).length === 0) await rm(this.path(key), { force: true });
    else await writeFileAtomic(this.path(key), JSON.stringify(kept, null, 2) + "\n", 0o600);
    return kept;
  }

  /** Every mark, by "Kind/namespace/name". */
  async all(): Promise<Map<string, Mark>> {
    const marks = new Map<string, Mark>();
    for (const file of await readdir(this.dir, { recursive: true }).catch(() => [] as string[])) {
      const parts = file.split("/");
      if (parts.length !== 3 || !file.endsWith(".json")) continue;
      const [kind, namespace, name] = parts as [ObjectKey["kind"], string, string];
      const key = { kind, namespace, name: name.slice(0, -".json".length) };
      marks.set(keyString(key), await this.read(key));
    }
    return marks;
  }

  /** The key a file under this directory belongs to (for the watcher). */
  keyOf(path: string): ObjectKey | undefined {
    const rel = path.startsWith(this.dir) ? path.slice(this.dir.length + 1) : "";
    const parts = rel.split("/");
    if (parts.length !== 3 || !rel.endsWith(".json")) return undefined;
    const [kind, namespace, name] = parts as [ObjectKey["kind"], string, string];
    return { kind, namespace, name: name.slice(0, -".json".length) };
  }

  get root(): string {
    return dirname(this.dir);
  }
}

/** The object as the operator sees it: its mark as annotations (no spec change, no new generation). */
export function withMark(object: LabObject, mark: Mark): LabObject {
  const annotations = { ...object.metadata.annotations };
  if (mark.suspend) annotations[SUSPENDED_ANNOTATION] = "true";
  if (mark.reconcileRequestedAt) annotations[RECONCILE_REQUESTED_AT] = mark.reconcileRequestedAt;
  if (!mark.suspend && !mark.reconcileRequestedAt) return object;
  return { ...object, metadata: { ...object.metadata, annotations } } as LabObject;
}
