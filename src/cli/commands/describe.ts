import type { Command } from "commander";
import type { ObjectState, StepRecord } from "../../controllers/state.js";
import { stripControls } from "../../util/terminal.js";
import { age, managerNameOf, table } from "../format.js";
import { openSavedState, withSavedStateOptions, type SavedStateOptions } from "../saved-state.js";
import { parseKind } from "./get.js";

/** `labctl describe Kind/name`: conditions, recent steps, ownership and events. */
export function registerDescribe(program: Command): void {
  withSavedStateOptions(
    program
      .command("describe")
      .description("show an object's conditions, last steps with durations, drift repairs and events")
      .argument("<object>", "Kind/name, e.g. LabManager/lab"),
  )
    .option("-n, --namespace <ns>", "namespace", "default")
    .action(async (ref: string, opts: SavedStateOptions & { namespace: string }) => {
      const [kindText, name] = ref.split("/");
      if (!kindText || !name) throw new Error(`expected Kind/name, got "${ref}"`);
      const states = await openSavedState(opts);
      const state = await states.load(parseKind(kindText), opts.namespace, name);
      if (!state) {
        console.error(`${ref} not found in namespace ${opts.namespace}`);
        process.exitCode = 1;
        return;
      }
      console.log(describeState(state));
    });
}

/** An OvercloudNodeSet's status.nodes, one row per node. */
function nodesOf(s: ObjectState): string[] {
  const nodes = s.status.nodes as
    { name: string; role: string; macs: string[]; bmcPort?: number; powerState?: string }[] | undefined;
  if (!Array.isArray(nodes)) return [];
  const rows = nodes.map((n) => [
    n.name,
    n.role,
    n.powerState ?? "-",
    n.bmcPort === undefined ? "-" : String(n.bmcPort),
    n.macs.join(","),
  ]);
  return ["Nodes:", indent(table(["NAME", "ROLE", "POWER", "BMC PORT", "MACS"], rows))];
}

export function describeState(s: ObjectState): string {
  const out: string[] = [];
  out.push(`Name:         ${s.name}`, `Namespace:    ${s.namespace}`, `Kind:         ${s.kind}`);
  if (s.kind !== "LabManager") out.push(`Manager:      ${managerNameOf(s)}`);
  out.push(`Generation:   ${s.generation} (observed ${s.status.observedGeneration ?? "-"})`);
  out.push(`Phase:        ${String(s.status.phase ?? "-")}`);
  for (const [k, v] of Object.entries(s.status)) {
    if (
      ["conditions", "phase", "observedGeneration", "plannedSteps", "plannedFields", "nodes"].includes(k) ||
      v === undefined
    )
      continue;
    out.push(`${(k + ":").padEnd(14)}${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  out.push(...nodesOf(s));
  out.push("Conditions:");
  out.push(
    indent(
      table(
        ["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"],
        s.status.conditions.map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime), c.message]),
      ),
    ),
  );
  const planned = s.status.plannedSteps as string[] | undefined;
  if (planned?.length) out.push("Planned steps:", ...planned.map((p) => `  - ${p}`));
  if (s.owned.length)
    out.push("Owned (cleanup removes only these):", ...s.owned.map((o) => `  - ${o.kind}/${o.name}`));
  out.push("Steps:");
  out.push(
    indent(
      table(
        ["STEP", "RESULT", "DURATION", "AGE", "DETAIL"],
        s.steps
          .slice(-15)
          .map((st) => [
            st.step,
            st.result,
            st.durationMs === undefined ? "-" : `${(st.durationMs / 1000).toFixed(1)}s`,
            age(st.startedAt),
            st.error ?? st.drift ?? st.description,
          ]),
      ),
    ),
  );
  out.push(...lastFailure(s.steps));
  out.push("Events:");
  out.push(
    indent(
      table(
        ["TYPE", "REASON", "AGE", "COUNT", "MESSAGE"],
        s.events.slice(-15).map((e) => [e.type, e.reason, age(e.lastTimestamp), String(e.count), e.message]),
      ),
    ),
  );
  return stripControls(out.join("\n"));
}

/**
 * The most recent failed step: what ran, what the command was for, how it ended and the
 * tail of its stderr (redacted as it arrived from the host: remote/exec.ts).
 */
export function lastFailure(steps: StepRecord[]): string[] {
  const failed = steps.findLast((st) => st.result === "failed");
  if (!failed) return [];
  const out = [`Last failed step (${age(failed.finishedAt ?? failed.startedAt)} ago):`];
  out.push(`  Step:      ${failed.step}: ${failed.description}`);
  const f = failed.failure;
  if (!f) return [...out, `  Error:     ${failed.error ?? "unknown"}`].map(stripControls);
  const how = f.exitCode === null ? `killed (${f.signal ?? "unknown signal"})` : `exit code ${f.exitCode}`;
  out.push(`  Purpose:   ${f.purpose}`, `  Ended:     ${how}`);
  if (f.stderrTail.length) out.push("  Stderr (last lines):", ...f.stderrTail.map((l) => `    ${l}`));
  return out.map(stripControls);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
