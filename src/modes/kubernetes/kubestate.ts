import { API_VERSION, type Kind } from "../../api/index.js";
import type { KubeClients } from "../../kube/client.js";
import type { EventRecorder } from "../../kube/events.js";
import {
  getObject,
  isDeleting,
  patchStatus,
  updateFinalizers,
  type LiveObject,
  type ObjectId,
} from "../../kube/objects.js";
import { deleteRecord, listRecords, readRecord, writeRecord } from "../../kube/records.js";
import type { Logger } from "../../log.js";
import { stableJson } from "../../runtime/cache.js";
import { emptyState, type EventRecord, type ObjectState, type StateStore } from "../../controllers/state.js";

/** Holds an object until its cleanup ran (or it was detached / orphaned). */
export const FINALIZER = "openstacklab.io/cleanup";

export interface KubernetesStateOptions {
  clients: KubeClients;
  events: EventRecorder;
  log: Logger;
  /** Namespaces list() looks in; empty means all. */
  namespaces: string[];
}

/**
 * Object state in Kubernetes mode. The public part goes to the object's status
 * subresource (merge patch: observedGeneration, kstatus conditions and the kind's
 * fields); the private record goes to an owned ConfigMap; new events become
 * events.k8s.io Events about the object. Our finalizer is added in one place, before an
 * object's reconcile may touch a host (ensureFinalizer, called by the Kubernetes-mode
 * wiring); remove() runs after cleanup and drops it.
 * Only the elected leader writes, so the last saved state is cached in memory.
 */
export class KubernetesStateStore implements StateStore {
  private readonly cached = new Map<string, ObjectState>();
  private readonly finalized = new Set<string>();
  /** Objects whose record ConfigMap was seen or written (the next write replaces it). */
  private readonly recorded = new Set<string>();

  constructor(private readonly opts: KubernetesStateOptions) {}

  async load(kind: Kind, namespace: string, name: string): Promise<ObjectState | undefined> {
    const id = { kind, namespace, name };
    const hit = this.cached.get(idString(id));
    if (hit) return structuredClone(hit);
    const state = await this.read(id);
    if (state) this.cached.set(idString(id), structuredClone(state));
    return state;
  }

  /**
   * Add our finalizer to an object that is not being deleted, before its reconciler may
   * touch a host (once per object while leading; save() checks again).
   */
  async ensureFinalizer(kind: Kind, namespace: string, name: string): Promise<void> {
    const id = { kind, namespace, name };
    if (this.finalized.has(idString(id))) return;
    const live = await getObject(this.opts.clients, id);
    if (live && !isDeleting(live) && !(live.metadata.finalizers ?? []).includes(FINALIZER)) {
      await updateFinalizers(this.opts.clients, id, (f) => (f.includes(FINALIZER) ? f : [...f, FINALIZER]));
    }
    this.finalized.add(idString(id));
  }

  /**
   * Write what changed since the last save, and nothing when nothing did: a no-op reconcile
   * of a thousand objects makes no request (status, record and events only on change).
   */
  async save(state: ObjectState): Promise<void> {
    const id = { kind: state.kind, namespace: state.namespace, name: state.name };
    const previous = this.cached.get(idString(id)) ?? (await this.read(id));
    if (previous && stableJson(previous) === stableJson(state)) return;
    this.cached.set(idString(id), structuredClone(state));
    const live = await getObject(this.opts.clients, id);
    if (!live) return; // gone (finalizer removed by hand): nothing left to write to
    if (!previous || stableJson(previous.status) !== stableJson(state.status))
      await patchStatus(this.opts.clients, id, live, { ...state.status });
    await writeRecord(this.opts.clients, id, live, JSON.stringify(state), this.recorded.has(idString(id)));
    this.recorded.add(idString(id));
    await this.emitEvents(id, live, previous?.events ?? [], state.events);
  }

  async remove(kind: Kind, namespace: string, name: string): Promise<void> {
    const id = { kind, namespace, name };
    this.cached.delete(idString(id));
    this.finalized.delete(idString(id));
    this.recorded.delete(idString(id));
    await deleteRecord(this.opts.clients, id);
    await updateFinalizers(this.opts.clients, id, (f) => f.filter((x) => x !== FINALIZER));
  }

  /**
   * States of objects that still exist. A record whose object is gone was left behind by
   * someone removing our finalizer by hand (the garbage collector deletes it soon): that
   * means "no cleanup", so it must not come back as an object to clean up.
   */
  async list(): Promise<ObjectState[]> {
    const states: ObjectState[] = [];
    for (const { id, json, ownerUid } of await listRecords(this.opts.clients, this.opts.namespaces)) {
      const live = await getObject(this.opts.clients, id);
      if (!live || (ownerUid && live.metadata.uid !== ownerUid)) continue;
      this.recorded.add(idString(id));
      states.push(this.cached.get(idString(id)) ?? (JSON.parse(json) as ObjectState));
    }
    return states;
  }

  /** The record, else a state seeded from the object's status (record lost), else nothing. */
  private async read(id: ObjectId): Promise<ObjectState | undefined> {
    const json = await readRecord(this.opts.clients, id);
    if (json) {
      this.recorded.add(idString(id));
      return JSON.parse(json) as ObjectState;
    }
    const live = await getObject(this.opts.clients, id);
    if (!live?.status) return undefined;
    const state = emptyState(id.kind, id.namespace, id.name);
    const status = live.status as ObjectState["status"];
    state.status = { ...status, conditions: status.conditions ?? [] };
    return state;
  }

  /** Turn events added (or repeated) since the last save into Kubernetes Events. */
  private async emitEvents(
    id: ObjectId,
    live: LiveObject,
    before: EventRecord[],
    after: EventRecord[],
  ): Promise<void> {
    const subject = {
      apiVersion: API_VERSION,
      kind: id.kind,
      namespace: id.namespace,
      name: id.name,
      uid: live.metadata.uid,
    };
    for (const event of after) {
      const seen = before.find(
        (b) =>
          b.type === event.type &&
          b.reason === event.reason &&
          b.message === event.message &&
          b.firstTimestamp === event.firstTimestamp,
      );
      const times = event.count - (seen?.count ?? 0);
      if (times > 0) await this.opts.events.record(subject, event.type, event.reason, event.message, times);
    }
  }
}

function idString(id: ObjectId): string {
  return `${id.kind}/${id.namespace}/${id.name}`;
}
