import type { SettleOutcome } from "../runtime/settle.js";
import type { ObjectState } from "../controllers/state.js";
import { stripControls } from "../util/terminal.js";

/** Conditions carry host text and file names: printed without control characters. */
const say = (text: string) => console.log(stripControls(text));
const sayError = (text: string) => console.error(stripControls(text));

/** `labctl plan` output: per object, the steps apply would take. */
export function printPlan(states: ObjectState[]): void {
  for (const s of states) {
    const planned = (s.status.plannedSteps as string[] | undefined) ?? [];
    const ready = s.status.conditions.find((c) => c.type === "Ready");
    const head = `${s.kind}/${s.name}`;
    if (ready?.reason === "WaitingForDependency") say(`${head}: ${ready.message}`);
    else if (ready && ready.status === "False" && planned.length === 0)
      say(`${head}: ${ready.reason}: ${ready.message}`);
    else if (planned.length === 0) say(`${head}: no changes`);
    else say(`${head}: ${planned.length} step(s)\n${planned.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** `labctl apply` failure output: each object that is not Ready and why. */
export function printNotReady(outcome: SettleOutcome): void {
  if (outcome.timedOut) sayError("timed out before every object was Ready");
  for (const s of outcome.notReady) {
    for (const c of s.status.conditions.filter((x) => x.status !== "True" || x.type === "Stalled")) {
      sayError(`${s.kind}/${s.name}: ${c.type}=${c.status} ${c.reason}: ${c.message}`);
    }
  }
}
