import { createActor, type Snapshot } from "xstate";
import {
  createLifecycleMachine,
  type LifecycleContext,
  type LifecycleEvent,
  type Phase,
} from "./lifecycle.js";
import type { Kind } from "../api/index.js";

const machines = {
  LabManager: createLifecycleMachine("LabManager"),
  LibvirtNetwork: createLifecycleMachine("LibvirtNetwork"),
  TripleOUndercloud: createLifecycleMachine("TripleOUndercloud"),
} as const;

/** A lifecycle actor restored from (and persisted back to) an object's saved snapshot. */
export class Lifecycle {
  private readonly actor;

  constructor(kind: Kind, persisted?: unknown) {
    const machine = machines[kind];
    this.actor = createActor(machine, persisted ? { snapshot: persisted as Snapshot<unknown> } : {});
    this.actor.start();
  }

  send(event: LifecycleEvent): void {
    this.actor.send(event);
  }

  get phase(): Phase {
    return this.actor.getSnapshot().value as Phase;
  }

  get context(): LifecycleContext {
    return this.actor.getSnapshot().context;
  }

  persist(): unknown {
    const snapshot = this.actor.getPersistedSnapshot();
    this.actor.stop();
    return snapshot;
  }
}
