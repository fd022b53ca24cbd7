import type { Command } from "commander";
import { KINDS, type Kind } from "../../api/names.js";
import { escapeC1 } from "../../util/terminal.js";
import { age, managerNameOf, readyOf, table } from "../format.js";
import { openSavedState, withSavedStateOptions, type SavedStateOptions } from "../saved-state.js";

/** `labctl get [KIND]`: a kubectl-like table of the objects the operator keeps. */
export function registerGet(program: Command): void {
  withSavedStateOptions(
    program
      .command("get")
      .description("list objects with their Ready state (state directory, or the cluster with --kubernetes)")
      .argument("[kind]", `one of ${KINDS.join(", ")} (case-insensitive, plural ok)`),
  )
    .option("-n, --namespace <ns>", "with --kubernetes: only this namespace (default: all)")
    .option("-o, --output <format>", "table or json", "table")
    .action(async (kindArg: string | undefined, opts: SavedStateOptions & { output: string }) => {
      const kind = kindArg ? parseKind(kindArg) : undefined;
      const all = { ...opts, allNamespaces: !opts.namespace };
      const states = (await (await openSavedState(all)).list()).filter((s) => !kind || s.kind === kind);
      if (opts.output === "json")
        return console.log(
          escapeC1(
            JSON.stringify(
              states.map(({ machine: _m, ...s }) => s),
              null,
              2,
            ),
          ),
        );
      if (states.length === 0) return console.log("No objects found.");
      const rows = states.map((s) => {
        const r = readyOf(s.status.conditions);
        return [s.name, s.kind, managerNameOf(s), r.ready, r.reason, age(s.createdAt)];
      });
      console.log(table(["NAME", "KIND", "MANAGER", "READY", "REASON", "AGE"], rows));
    });
}

export function parseKind(text: string): Kind {
  const t = text.toLowerCase().replace(/s$/, "");
  const kind = KINDS.find((k) => k.toLowerCase() === t || shortNames[t] === k);
  if (!kind) throw new Error(`unknown kind "${text}": expected one of ${KINDS.join(", ")}`);
  return kind;
}

const shortNames: Record<string, Kind> = {
  lm: "LabManager",
  lvnet: "LibvirtNetwork",
  uc: "TripleOUndercloud",
  ocn: "OvercloudNodeSet",
};
