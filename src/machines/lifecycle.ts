import { assign, setup } from "xstate";

/** Events the controller sends as it works through a reconcile. */
export type LifecycleEvent =
  | { type: "RECONCILE" }
  | { type: "DEPENDENCY_NOT_READY"; message: string }
  | { type: "CONNECTED" }
  | { type: "OBSERVED"; steps: number; drift: string[]; driftPolicy: "repair" | "detect" | "ignore" }
  | { type: "STEP_STARTED"; step: string; description: string }
  | { type: "STEP_DONE"; step: string }
  | { type: "APPLIED" }
  | { type: "FAILED"; reason: string; message: string; retryable: boolean }
  | { type: "DELETE" }
  | { type: "CLEANED" };

export interface LifecycleContext {
  reason: string;
  message: string;
  step?: string;
  stepsDone: number;
  failures: number;
  drift: string[];
}

const initialContext: LifecycleContext = {
  reason: "Pending",
  message: "not reconciled yet",
  stepsDone: 0,
  failures: 0,
  drift: [],
};

/**
 * The lifecycle every kind goes through. Pure: no I/O, the controller does the work and
 * reports it as events; persisted snapshots let a restarted operator resume.
 * Pending → Connecting → Observing → Applying → Ready, with Waiting, Degraded (drift seen but
 * not repaired), Failed (will retry), Stalled (needs a person) and Deleting → Deleted.
 */
export function createLifecycleMachine(kind: string) {
  return setup({
    types: { context: {} as LifecycleContext, events: {} as LifecycleEvent },
    guards: {
      nothingToDo: ({ event }) => event.type === "OBSERVED" && event.steps === 0,
      onlyReporting: ({ event }) =>
        event.type === "OBSERVED" &&
        event.steps > 0 &&
        event.driftPolicy !== "repair" &&
        event.drift.length > 0,
      retryable: ({ event }) => event.type === "FAILED" && event.retryable,
    },
    actions: {
      noteFailure: assign(({ context, event }) =>
        event.type === "FAILED"
          ? { reason: event.reason, message: event.message, failures: context.failures + 1 }
          : {},
      ),
      noteWaiting: assign(({ event }) =>
        event.type === "DEPENDENCY_NOT_READY"
          ? { reason: "WaitingForDependency", message: event.message }
          : {},
      ),
      noteObserved: assign(({ event }) =>
        event.type === "OBSERVED"
          ? { drift: event.drift, message: `${event.steps} step(s) to apply`, reason: "Progressing" }
          : {},
      ),
      noteStep: assign(({ event }) =>
        event.type === "STEP_STARTED" ? { step: event.step, message: event.description } : {},
      ),
      countStep: assign(({ context }) => ({ stepsDone: context.stepsDone + 1 })),
      noteConverged: assign(() => ({
        reason: "Converged",
        message: "host matches the spec",
        failures: 0,
        step: undefined,
      })),
      noteDrift: assign(({ context }) => ({
        reason: "DriftDetected",
        message: `drift not repaired (driftPolicy): ${context.drift.join("; ")}`,
      })),
      resetRun: assign(() => ({ stepsDone: 0, step: undefined })),
    },
  }).createMachine({
    id: kind,
    context: initialContext,
    initial: "pending",
    on: { DELETE: ".deleting" },
    states: {
      pending: { on: { RECONCILE: { target: "connecting", actions: "resetRun" } } },
      waiting: {
        on: {
          RECONCILE: { target: "connecting", actions: "resetRun" },
          DEPENDENCY_NOT_READY: { target: "waiting", actions: "noteWaiting" },
        },
      },
      connecting: {
        on: {
          DEPENDENCY_NOT_READY: { target: "waiting", actions: "noteWaiting" },
          CONNECTED: "observing",
          FAILED: [
            { guard: "retryable", target: "failed", actions: "noteFailure" },
            { target: "stalled", actions: "noteFailure" },
          ],
        },
      },
      observing: {
        on: {
          OBSERVED: [
            { guard: "nothingToDo", target: "ready", actions: ["noteObserved", "noteConverged"] },
            { guard: "onlyReporting", target: "degraded", actions: ["noteObserved", "noteDrift"] },
            { target: "applying", actions: "noteObserved" },
          ],
          FAILED: [
            { guard: "retryable", target: "failed", actions: "noteFailure" },
            { target: "stalled", actions: "noteFailure" },
          ],
        },
      },
      applying: {
        on: {
          STEP_STARTED: { actions: "noteStep" },
          STEP_DONE: { actions: "countStep" },
          APPLIED: "observing",
          FAILED: [
            { guard: "retryable", target: "failed", actions: "noteFailure" },
            { target: "stalled", actions: "noteFailure" },
          ],
        },
      },
      ready: { on: { RECONCILE: { target: "connecting", actions: "resetRun" } } },
      degraded: { on: { RECONCILE: { target: "connecting", actions: "resetRun" } } },
      failed: { on: { RECONCILE: { target: "connecting", actions: "resetRun" } } },
      stalled: { on: { RECONCILE: { target: "connecting", actions: "resetRun" } } },
      deleting: {
        on: {
          CLEANED: "deleted",
          FAILED: { actions: "noteFailure" },
          STEP_STARTED: { actions: "noteStep" },
          STEP_DONE: { actions: "countStep" },
        },
      },
      deleted: { type: "final" },
    },
  });
}

export type LifecycleMachine = ReturnType<typeof createLifecycleMachine>;
export type Phase =
  | "pending"
  | "waiting"
  | "connecting"
  | "observing"
  | "applying"
  | "ready"
  | "degraded"
  | "failed"
  | "stalled"
  | "deleting"
  | "deleted";
