import type { SettleOutcome } from "../runtime/settle.js";
import type { ObjectState } from "../runtime/state.js";

/** `labctl plan` output: per object, the steps apply would take. */
export function printPlan(states: ObjectState[]): void {
  for (const s of states) {
    const planned = (s.status.plannedSteps as string[] | undefined) ?? [];
    const ready = s.status.conditions.find((c) => c.type === "Ready");
    const head = `${s.kind}/${s.name}`;
    if (ready?.reason === "WaitingForDependency") console.log(`${head}: ${ready.message}`);
    else if (ready && ready.status === "False" && planned.length === 0)
      console.log(`${head}: ${ready.reason}: ${ready.message}`);
    else if (planned.length === 0) console.log(`${head}: no changes`);
    else console.log(`${head}: ${planned.length} step(s)\n${planned.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** `labctl apply` failure output: each object that is not Ready and why. */
export function printNotReady(outcome: SettleOutcome): void {
  if (outcome.timedOut) console.error("timed out before every object was Ready");
  for (const s of outcome.notReady) {
    for (const c of s.status.conditions.filter((x) => x.status !== "True" || x.type === "Stalled")) {
      console.error(`${s.kind}/${s.name}: ${c.type}=${c.status} ${c.reason}: ${c.message}`);
    }
  }
}
