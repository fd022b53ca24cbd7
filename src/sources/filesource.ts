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
}

export type ManifestLoader = (paths: string[]) => Promise<{ objects: LoadedObject[]; errors: LoadError[] }>;

const DEBOUNCE_MS = 20;

/**
 * Desired state from manifest files, watched with chokidar. Every change reloads the
 * whole set (it is small) and compares with the last load, so a burst of saves or an
 * editor's write-and-rename is one reload. An object whose file stops parsing keeps its
 * last good spec; only an object missing from a file that loaded cleanly is removed.
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
  ) {}

  async start(handler: SourceHandler): Promise<void> {
    this.handler = handler;
    await this.reload();
    handler.synced();
    if (!this.watchFiles) return;
    this.watcher = watch(this.paths, { ignoreInitial: true, atomic: true });
    this.watcher.on("all", () => this.schedule());
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

  private async reload(): Promise<void> {
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
    const errorsByFile = groupBy(errors, (e) => e.file);
    for (const group of errorsByKey.values()) {
      const first = group[0]!;
      handler.invalid(first.key!, lines(group), { file: first.file });
    }
    for (const [id, previous] of this.known) {
      if (next.has(id)) continue;
      const own = errorsByKey.get(id) ?? [];
      const ofFile = errorsByFile.get(previous.file) ?? [];
      if (own.length || ofFile.length) {
        // Its file no longer loads: keep the last good object, never delete on a parse error.
        next.set(id, previous);
        handler.invalid(previous.key, [...new Set(lines([...own, ...ofFile]))], { file: previous.file });
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
