import { mkdir } from "node:fs/promises";
import { watch, type FSWatcher } from "chokidar";
import { keyOf, keyString, type LabObject, type Origin } from "../../api/index.js";
import type { Logger } from "../../log.js";
import type { Source, SourceHandler } from "../../sources/source.js";
import { withMark, type Mark, type Marks } from "./marks.js";

/**
 * The manifests, with `labctl suspend|resume|reconcile` marks applied: each object passes
 * with its mark as annotations, and a mark written while `labctl run` runs re-offers the
 * object at once (the cache sees the request change and re-queues it).
 */
export class MarkedSource implements Source {
  readonly name = "files+marks";
  private readonly raw = new Map<string, { object: LabObject; origin: Origin }>();
  private marks = new Map<string, Mark>();
  private watcher?: FSWatcher;
  private handler?: SourceHandler;

  constructor(
    private readonly inner: Source,
    private readonly store: Marks,
    private readonly log: Logger,
    private readonly watchMarks: boolean,
  ) {}

  async start(handler: SourceHandler): Promise<void> {
    this.handler = handler;
    this.marks = await this.store.all();
    if (this.watchMarks) {
      // Watched from the start, so the first mark is seen too (a missing directory is not).
      await mkdir(this.store.dir, { recursive: true, mode: 0o700 });
      this.watcher = watch(this.store.dir, { ignoreInitial: true, atomic: true });
      this.watcher.on("all", (_event, path) => void this.reread(path));
      this.watcher.on("error", (err: unknown) =>
        this.log.warn({ err: (err as Error).message }, "watching labctl marks"),
      );
      await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
    }
    await this.inner.start(this.wrap(handler));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    await this.inner.stop();
  }

  private wrap(handler: SourceHandler): SourceHandler {
    return {
      upsert: (object, origin) => {
        const id = keyString(keyOf(object));
        this.raw.set(id, { object, origin });
        handler.upsert(withMark(object, this.marks.get(id) ?? {}), origin);
      },
      invalid: (key, errors, origin) => handler.invalid(key, errors, origin),
      remove: (key) => {
        this.raw.delete(keyString(key));
        handler.remove(key);
      },
      sourceErrors: (errors) => handler.sourceErrors(errors),
      synced: () => handler.synced(),
    };
  }

  private async reread(path: string): Promise<void> {
    const key = this.store.keyOf(path);
    if (!key) return;
    try {
      const id = keyString(key);
      this.marks.set(id, await this.store.read(key));
      const seen = this.raw.get(id);
      if (seen) this.handler?.upsert(withMark(seen.object, this.marks.get(id)!), seen.origin);
    } catch (err) {
      this.log.warn({ path, err: (err as Error).message }, "reading a labctl mark");
    }
  }
}
