import { Watch, type KubernetesObject } from "@kubernetes/client-node";
import type { Kind } from "../../api/index.js";
import type { Logger } from "../../log.js";
import { Backoff } from "../../util/backoff.js";
import { apiErrorLine, kindPath, kindResource, statusOf, type KubeClients } from "../../kube/client.js";

/** A custom object as the API server returns it (our kinds, not yet validated). */
export interface RawObject extends KubernetesObject {
  metadata: NonNullable<KubernetesObject["metadata"]> & { name: string };
  [field: string]: unknown;
}

export interface WatchEvents {
  /** Added or changed (also every object of a re-list). */
  onObject(object: RawObject): void;
  /** Gone from the API server (a DELETE event, or missing from a re-list). */
  onDeleted(object: RawObject): void;
}

/** Server-side watch timeout; the server ends the stream and we resume from the last version. */
const WATCH_TIMEOUT_SECONDS = 240;

export interface WatchTiming {
  /** Backoff between failed attempts. */
  baseMs?: number;
  maxMs?: number;
  /** How long one watch request lasts before it is resumed (tests shorten it). */
  watchTimeoutSeconds?: number;
}

class GoneError extends Error {
  override name = "Gone";
}

/**
 * List then watch one kind in one namespace (or all), as client-go's reflector: resume a
 * watch that ended normally from the last resourceVersion, re-list after 410 Gone or any
 * error (with backoff), and report objects missing from a re-list as deleted.
 */
export class KindWatcher {
  private resourceVersion = "";
  private readonly known = new Map<string, RawObject>();
  private stopped = false;
  private request?: AbortController;
  private sleeping?: { timer: NodeJS.Timeout; wake: () => void };
  private readonly backoff: Backoff;
  private readonly watchTimeoutSeconds: number;
  private loop?: Promise<void>;
  private markSynced!: () => void;
  /** Resolves after the first complete list was delivered. */
  readonly synced = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(
    private readonly clients: KubeClients,
    readonly kind: Kind,
    readonly namespace: string | undefined,
    private readonly events: WatchEvents,
    private readonly log: Logger,
    retry: WatchTiming = {},
  ) {
    this.backoff = new Backoff(retry.baseMs ?? 500, retry.maxMs ?? 30_000);
    this.watchTimeoutSeconds = retry.watchTimeoutSeconds ?? WATCH_TIMEOUT_SECONDS;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markSynced(); // nobody waits for a sync that will never come
    this.request?.abort();
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.list();
        await this.watchOnce();
      } catch (err) {
        if (this.stopped) return;
        this.resourceVersion = "";
        if (err instanceof GoneError || statusOf(err) === 410) {
          // The version we resumed from was compacted away: list again, at once.
          this.log.info(
            { kind: this.kind, namespace: this.namespace },
            "watch expired (410 Gone); re-listing",
          );
          continue;
        }
        const delay = this.backoff.next("watch");
        this.log.warn(
          { kind: this.kind, err: apiErrorLine(err), retryInMs: delay },
          "watch failed; re-listing",
        );
        await this.sleep(delay);
      }
    }
  }

  private async list(): Promise<void> {
    const res = kindResource(this.kind);
    const list = (
      this.namespace
        ? await this.clients.custom.listNamespacedCustomObject({ ...res, namespace: this.namespace })
        : await this.clients.custom.listClusterCustomObject(res)
    ) as {
      items: RawObject[];
      metadata?: { resourceVersion?: string };
    };
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(idOf(item));
      this.known.set(idOf(item), item);
      this.events.onObject(item);
    }
    for (const [id, previous] of this.known) {
      if (seen.has(id)) continue;
      this.known.delete(id);
      this.events.onDeleted(previous);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? "";
    this.markSynced();
  }

  /** One watch request: resolves when the stream ends normally, rejects on errors. */
  private watchOnce(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const params = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.watchTimeoutSeconds,
      };
      let gone = false;
      const onEvent = (type: string, object: RawObject) => {
        if (type === "ERROR") {
          gone = statusOf(object) === 410 || (object as { code?: number }).code === 410;
          return;
        }
        this.apply(type, object);
      };
      const done = (err: unknown) => {
        if (gone) return reject(new GoneError("resourceVersion too old"));
        // The client's inactivity timeout is a normal end: resume from the last version.
        if (err && (err as Error).name !== "TimeoutError") return reject(err as Error);
        resolve();
      };
      new Watch(this.clients.config)
        .watch(kindPath(this.kind, this.namespace), params, onEvent, done)
        .then((request) => {
          this.request = request;
          if (this.stopped) request.abort();
        }, reject);
    });
  }

  private apply(type: string, object: RawObject): void {
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    this.backoff.forget("watch");
    if (type === "ADDED" || type === "MODIFIED") {
      this.known.set(idOf(object), object);
      this.events.onObject(object);
    } else if (type === "DELETED") {
      this.known.delete(idOf(object));
      this.events.onDeleted(object);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: setTimeout(wake, ms), wake };
    });
  }
}

function idOf(object: RawObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}
