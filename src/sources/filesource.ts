import { watch, type FSWatcher } from "chokidar";
import { keyString, type LabObject, type ObjectKey } from "../api/index.js";
import type { Logger } from "../log.js";
import type { Origin, Source, SourceHandler } from "./source.js";

export interface LoadedObject {
  object: LabObject;
  origin: Origin;
}

/** One problem in the input: the line to print, and the object it belongs to when known. */
export interface LoadError {
  file: string;
  key?: ObjectKey;
  line: string;
  /**
   * The input that failed may hold any object: a file that could not be listed, read or
   * parsed, or a document that does not say which object it is. While one is present no
   * object is removed.
   */
  holdsAny?: boolean;
}

export type ManifestLoader = (paths: string[]) => Promise<{ objects: LoadedObject[]; errors: LoadError[] }>;

const DEBOUNCE_MS = 20;

/**
 * Desired state from manifest files, watched with chokidar. Every change reloads the
 * whole set (it is small) and compares with the last load, so a burst of saves or an
 * editor's write-and-rename is one reload.
 *
 * An object is removed only when every file that could hold it loaded and none holds it:
 * while any file cannot be read or parsed (or a document does not say which object it is),
 * every object the load does not list keeps its last good spec and is reported invalid with
 * those errors, and so does an object whose own document is invalid. At start the objects of
 * saved state count as known, so a file broken while we were down deletes nothing either.
 */
export class FileSource implements Source {
  readonly name = "files";
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private handler?: SourceHandler;
  private known = new Map<string, { key: ObjectKey; file: string }>();
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly paths: string[],
    private readonly load: ManifestLoader,
    private readonly log: Logger,
    private readonly watchFiles = true,
    /** The objects saved state knows (their last good spec is kept while input is unreadable). */
    private readonly savedKeys: () => Promise<ObjectKey[]> = async () => [],
  ) {}

  async start(handler: SourceHandler): Promise<void> {
    this.handler = handler;
    for (const key of await this.savedKeys()) this.known.set(keyString(key), { key, file: "" });
    await this.reload();
    handler.synced();
    if (!this.watchFiles) return;
    this.watcher = watch(this.paths, { ignoreInitial: true, atomic: true });
    this.watcher.on("all", () => this.schedule());
    // A path the watcher cannot stat (a symlink loop, no permission): the reload reports it
    // as an error naming the file. Without a listener chokidar's error would end the process.
    this.watcher.on("error", (err: unknown) => {
      this.log.debug({ err: (err as Error).message }, "watching manifests");
      this.schedule();
    });
    await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.reloading;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reloading = this.reloading
        .then(() => this.reload())
        .catch((err: Error) => {
          this.log.error({ err: err.message }, "reloading manifests failed");
        });
    }, DEBOUNCE_MS);
  }

  /** Load the manifests now and report the differences (what a watched change does). */
  async reload(): Promise<void> {
    const handler = this.handler!;
    const { objects, errors } = await this.load(this.paths);
    const next = new Map<string, { key: ObjectKey; file: string }>();
    for (const { object, origin } of objects) {
      const key = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
      next.set(keyString(key), { key, file: origin.file ?? "" });
      handler.upsert(object, origin);
    }
    const errorsByKey = groupBy(
      errors.filter((e) => e.key),
      (e) => keyString(e.key!),
    );
    const unreadable = errors.filter((e) => e.holdsAny);
    const errorsByFile = groupBy(errors, (e) => e.file);
    for (const group of errorsByKey.values()) {
      const first = group[0]!;
      handler.invalid(first.key!, lines(group), { file: first.file });
    }
    for (const [id, previous] of this.known) {
      if (next.has(id)) continue;
      // Its file has errors (it may be cut short), or any unreadable file may hold it: keep the
      // last good object, never delete on bad input.
      const own = errorsByKey.get(id) ?? [];
      const why = [...own, ...(errorsByFile.get(previous.file) ?? []), ...unreadable];
      if (why.length) {
        next.set(id, previous);
        handler.invalid(previous.key, [...new Set(lines(why))], { file: previous.file || why[0]!.file });
      } else {
        handler.remove(previous.key);
      }
    }
    handler.sourceErrors(errors.map((e) => e.line));
    this.known = next;
  }
}

function lines(errors: LoadError[]): string[] {
  return errors.map((e) => e.line);
}

/** Group in one pass (Map.groupBy needs Node 21). */
function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const id = keyOf(item);
    const group = groups.get(id);
    if (group) group.push(item);
    else groups.set(id, [item]);
  }
  return groups;
}
