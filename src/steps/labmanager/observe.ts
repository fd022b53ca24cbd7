import type { LabManagerSpec } from "../../api/labmanager.js";
import { OPENSTACK_CLIENTS_VENV } from "./openstack-clients.js";
import type { RemoteHost } from "../../remote/types.js";
import { BRIDGE_FILE_HEADER } from "./bridge-files.js";
import { RC_END, RC_START } from "./content.js";
import { managerFacts, type ManagerFacts } from "./facts.js";
import { OBSERVE_MANAGER } from "./observe-script.js";
import { DEBIAN_PACKAGES, EL_OBSERVED_PACKAGES } from "./packages.js";
import { VENV, watchedFiles } from "./paths.js";

/** The positional arguments of OBSERVE_MANAGER for this spec. */
export function observeArgs(spec: LabManagerSpec): string[] {
  const deb = [...new Set([...DEBIAN_PACKAGES, ...spec.packages])];
  const el = [...new Set([...EL_OBSERVED_PACKAGES, ...spec.packages])];
  return [
    spec.user.name,
    VENV,
    deb.join("\n"),
    el.join("\n"),
    watchedFiles(spec).join("\n"),
    RC_START,
    RC_END,
    BRIDGE_FILE_HEADER,
    OPENSTACK_CLIENTS_VENV,
  ];
}

/**
 * Everything the plan needs to know about the Manager, in one round trip. With the user's
 * desired password (on stdin, never in argv), it also says whether the user has it.
 */
export async function observeManager(
  host: RemoteHost,
  spec: LabManagerSpec,
  password?: string,
): Promise<ManagerFacts> {
  const args = observeArgs(spec);
  const raw = await host.observe(OBSERVE_MANAGER, password === undefined ? args : [...args, "1"], {
    purpose: "observe the Manager",
    sudo: true,
    timeoutMs: 60_000,
    ...(password === undefined ? {} : { stdin: `${password}\n` }),
  });
  return managerFacts.parse(raw);
}
