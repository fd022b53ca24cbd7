import type { Command } from "commander";
import { KINDS, type Kind } from "../../api/index.js";
import { FileStateStore } from "../../runtime/filestate.js";
import { age, managerNameOf, readyOf, table } from "../format.js";
import { stateDirOf } from "../paths.js";

/** `labctl get [KIND]`: a kubectl-like table of the objects the operator keeps. */
export function registerGet(program: Command): void {
  program
    .command("get")
    .description("list objects with their Ready state (file mode state directory)")
    .argument("[kind]", `one of ${KINDS.join(", ")} (case-insensitive, plural ok)`)
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--workspace <dir>", "workspace directory", "workspace")
    .option("-o, --output <format>", "table or json", "table")
    .action(
      async (kindArg: string | undefined, opts: { stateDir?: string; workspace: string; output: string }) => {
        const kind = kindArg ? parseKind(kindArg) : undefined;
        const states = (await new FileStateStore(stateDirOf(opts)).list()).filter(
          (s) => !kind || s.kind === kind,
        );
        if (opts.output === "json")
          return console.log(
            JSON.stringify(
              states.map(({ machine: _m, ...s }) => s),
              null,
              2,
            ),
          );
        if (states.length === 0) return console.log("No objects found.");
        const rows = states.map((s) => {
          const r = readyOf(s.status.conditions);
          return [s.name, s.kind, managerNameOf(s), r.ready, r.reason, age(s.createdAt)];
        });
        console.log(table(["NAME", "KIND", "MANAGER", "READY", "REASON", "AGE"], rows));
      },
    );
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
};
