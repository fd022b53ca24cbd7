import type { Condition, Kind, LabObject } from "../api/index.js";
import type { LifecycleRecord } from "../machines/lifecycle.js";
import type { OwnedResource } from "../steps/types.js";

export type { OwnedResource };

/** What one apply step did, kept for `labctl describe` and crash recovery. */
export interface StepRecord {
  step: string;
  description: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result: "running" | "done" | "failed";
  error?: string;
  drift?: string;
  /** When a remote command failed the step: what it was for and how it ended (stderr redacted). */
  failure?: CommandFailure;
}

export interface CommandFailure {
  purpose: string;
  exitCode: number | null;
  signal?: string;
  stderrTail: string[];
}

/** A Kubernetes-style event kept with the object in file mode. */
export interface EventRecord {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

/** Everything the operator keeps about one object between runs. */
export interface ObjectState {
  kind: Kind;
  namespace: string;
  name: string;
  /** When the operator first saw the object. */
  createdAt?: string;
  /** Bumped whenever the desired spec changes (file mode has no API server to do it). */
  generation: number;
  specHash: string;
  /** The last valid desired object: what cleanup works from after its manifest is gone. */
  lastGoodObject?: LabObject;
  status: { observedGeneration?: number; conditions: Condition[]; [field: string]: unknown };
  /**
   * The LabManager (its name) this object's effects are on, recorded before its first step
   * is applied. spec.managerRef may not move away from it; cleanup runs there.
   */
  placedOn?: string;
  /** What this object created on its host, recorded before it was created; cleanup removes only these. */
  owned: OwnedResource[];
  steps: StepRecord[];
  events: EventRecord[];
  /** Where the object stands (machines/lifecycle.ts). */
  lifecycle?: LifecycleRecord;
  /** Saved by versions before `lifecycle`: an XState snapshot, read once to migrate. */
  machine?: unknown;
}

/** Where object state lives: JSON files in file mode, the API server in Kubernetes mode. */
export interface StateStore {
  load(kind: Kind, namespace: string, name: string): Promise<ObjectState | undefined>;
  save(state: ObjectState): Promise<void>;
  remove(kind: Kind, namespace: string, name: string): Promise<void>;
  list(): Promise<ObjectState[]>;
}

export function emptyState(kind: Kind, namespace: string, name: string): ObjectState {
  return {
    kind,
    namespace,
    name,
    generation: 0,
    specHash: "",
    status: { conditions: [] },
    owned: [],
    steps: [],
    events: [],
  };
}

const MAX_STEPS = 50;
const MAX_EVENTS = 30;

export function recordStep(state: ObjectState, record: StepRecord): void {
  const i = state.steps.findIndex((s) => s.step === record.step && s.result === "running");
  if (i >= 0) state.steps[i] = record;
  else state.steps.push(record);
  state.steps.splice(0, Math.max(0, state.steps.length - MAX_STEPS));
}

/** Add an event, folding repeats of the same reason and message as Kubernetes does. */
export function recordEvent(
  state: ObjectState,
  type: EventRecord["type"],
  reason: string,
  message: string,
): void {
  const now = new Date().toISOString();
  const last = state.events.at(-1);
  if (last && last.reason === reason && last.message === message && last.type === type) {
    last.count += 1;
    last.lastTimestamp = now;
    return;
  }
  state.events.push({ type, reason, message, firstTimestamp: now, lastTimestamp: now, count: 1 });
  state.events.splice(0, Math.max(0, state.events.length - MAX_EVENTS));
}
