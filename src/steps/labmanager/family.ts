import type { LabManagerSpec } from "../../api/labmanager.js";
import { PlanBlocked } from "../types.js";
import type { ManagerFacts } from "./facts.js";
import type { Family } from "./paths.js";

/** The spec's family when pinned, else the one observed from the package manager present. */
export function resolveFamily(spec: LabManagerSpec, facts: ManagerFacts): Family {
  if (spec.osFamily !== "auto") return spec.osFamily;
  if (!facts.osFamily) {
    const os = facts.os.id || "unknown OS";
    throw new PlanBlocked(
      "UnsupportedOS",
      `found neither apt nor dnf on the Manager (${os}); use Debian or an EL distribution`,
    );
  }
  return facts.osFamily;
}
