import { keyString, KINDS, KIND_INFO, type Kind } from "../../api/index.js";
import type { KubeClients } from "../../kube/client.js";
import type { Logger } from "../../log.js";
import type { Origin, Source, SourceHandler } from "../source.js";
import { CheckedObjects } from "./checked-objects.js";
import { isDetached, keyOfRaw } from "./decode.js";
import { KindWatcher, type RawObject, type WatchTiming } from "./watcher.js";

export interface KubernetesSourceOptions {
  clients: KubeClients;
  /** Namespaces to watch; empty means every namespace. */
  namespaces: string[];
  log: Logger;
  kinds?: readonly Kind[];
  retry?: WatchTiming;
}

/**
 * Desired state from custom resources: one list+watch per kind and namespace. Each object
 * is validated with its kind's zod schema and, with the others, by the cross-object checks
 * file mode runs (CheckedObjects); an invalid change keeps the last good spec.
 * An object with a deletionTimestamp (held by our finalizer) or gone from the API server
 * is removed, which runs its cleanup.
 */
export class KubernetesSource implements Source {
  readonly name = "kubernetes";
  private readonly watchers: KindWatcher[] = [];
  private objects?: CheckedObjects;
  /** Keys handed over for removal, with whether they were detached at the time. */
  private readonly removing = new Map<string, boolean>();
  private stopped = false;

  constructor(private readonly opts: KubernetesSourceOptions) {}

  async start(handler: SourceHandler): Promise<void> {
    this.objects = new CheckedObjects(handler);
    const scopes = this.opts.namespaces.length ? this.opts.namespaces : [undefined];
    for (const kind of this.opts.kinds ?? KINDS) {
      for (const namespace of scopes) {
        const events = {
          onObject: (o: RawObject) => this.onObject(kind, o),
          onDeleted: (o: RawObject) => this.onDeleted(kind, o),
        };
        const watcher = new KindWatcher(
          this.opts.clients,
          kind,
          namespace,
          events,
          this.opts.log,
          this.opts.retry,
        );
        this.watchers.push(watcher);
        watcher.start();
      }
    }
    await Promise.all(this.watchers.map((w) => w.synced));
    if (this.stopped) return;
    this.objects.synced();
    handler.synced();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.watchers.map((w) => w.stop()));
  }

  private onObject(kind: Kind, raw: RawObject): void {
    const key = keyOfRaw(kind, raw);
    if (raw.metadata.deletionTimestamp && this.alreadyRemoved(keyString(key), raw)) return;
    this.objects!.object(kind, key, raw, originOf(kind, raw));
  }

  /**
   * A deleting object is handed over once (and again if it gets detached): our own status
   * writes during cleanup must not re-queue it past its backoff.
   */
  private alreadyRemoved(id: string, raw: RawObject): boolean {
    const detached = isDetached(raw);
    if (this.removing.get(id) === detached) return true;
    this.removing.set(id, detached);
    return false;
  }

  private onDeleted(kind: Kind, raw: RawObject): void {
    const key = keyOfRaw(kind, raw);
    this.removing.delete(keyString(key));
    this.objects!.deleted(key);
  }
}

function originOf(kind: Kind, raw: RawObject): Origin {
  return { file: `${KIND_INFO[kind].plural}/${raw.metadata.namespace ?? ""}/${raw.metadata.name}` };
}
