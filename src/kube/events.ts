import { V1MicroTime, type EventsV1Event } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { Logger } from "../log.js";
import { apiErrorLine, isNotFound, MERGE_PATCH, type KubeClients } from "./client.js";

/** The object an event is about (`regarding`), as `kubectl describe` looks it up. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export const REPORTING_CONTROLLER = "openstacklab.io/lab-operator";
/** events.k8s.io limits: note to 1 kB, reason to 128 characters. */
const MAX_NOTE = 1024;
const MAX_REASON = 128;

interface Emitted {
  name: string;
  count: number;
}

/**
 * Writes events.k8s.io/v1 Events. A repeat of the same reason and note on the same object
 * updates the first event's series (count, lastObservedTime) instead of creating another.
 */
export class EventRecorder {
  private readonly emitted = new Map<string, Emitted>();

  constructor(
    private readonly clients: KubeClients,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  /** Never throws: an event that cannot be written is logged and dropped. */
  async record(
    subject: EventSubject,
    type: "Normal" | "Warning",
    reason: string,
    note: string,
    times = 1,
  ): Promise<void> {
    const id = [subject.namespace, subject.kind, subject.name, type, reason, note].join("\u0000");
    try {
      const previous = this.emitted.get(id);
      if (previous && (await this.bumpSeries(subject.namespace, previous, times))) return;
      const name = await this.create(subject, type, reason, note);
      this.emitted.set(id, { name, count: 1 });
      if (times > 1) await this.bumpSeries(subject.namespace, this.emitted.get(id)!, times - 1);
    } catch (err) {
      this.log.warn({ reason, err: apiErrorLine(err) }, "could not write event");
    }
  }

  private async create(subject: EventSubject, type: string, reason: string, note: string): Promise<string> {
    const now = new V1MicroTime();
    const body: EventsV1Event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `${subject.name}.${randomBytes(8).toString("hex")}`, namespace: subject.namespace },
      eventTime: now,
      type,
      reason: reason.slice(0, MAX_REASON),
      note: note.slice(0, MAX_NOTE),
      action: "Reconcile",
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance.slice(0, 128),
      regarding: {
        apiVersion: subject.apiVersion,
        kind: subject.kind,
        namespace: subject.namespace,
        name: subject.name,
        uid: subject.uid,
      },
    };
    const created = await this.clients.events.createNamespacedEvent({ namespace: subject.namespace, body });
    return created.metadata?.name ?? body.metadata!.name!;
  }

  /** Returns false when the event expired (the API server keeps events about an hour). */
  private async bumpSeries(namespace: string, emitted: Emitted, times: number): Promise<boolean> {
    const count = emitted.count + times;
    const body = { series: { count, lastObservedTime: new V1MicroTime().toISOString() } };
    try {
      await this.clients.events.patchNamespacedEvent({ namespace, name: emitted.name, body }, MERGE_PATCH);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    emitted.count = count;
    return true;
  }
}
