import type { LibvirtNetwork } from "../api/index.js";
import { libvirtNetworkName } from "./libvirt-network.js";
import { fill, loadTemplate, shellWord, singleLine } from "./template.js";

/** The /etc/libvirt/hooks/network script; it reads its network list from `configFile`. */
export function renderNetworkHookScript(configFile: string): string {
  return fill(loadTemplate("libvirt/network-hook.sh"), { configFile }, (v) => shellWord(singleLine(v)));
}

const SAFE_WORD = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/**
 * The hook's config: one "NETWORK SUBNET" line per masqueraded subnet of the Manager's
 * networks, sorted so the file only changes when the declared state does.
 */
export function renderNetworkHookConfig(networks: readonly LibvirtNetwork[]): string {
  const lines = networks.flatMap((net) =>
    net.spec.masquerade.map((subnet) => `${checkedWord(libvirtNetworkName(net))} ${checkedWord(subnet)}`),
  );
  const header = "# Written by lab-operator: networks whose subnets the libvirt network hook NATs.\n";
  return (
    header +
    [...new Set(lines)]
      .sort()
      .map((l) => `${l}\n`)
      .join("")
  );
}

/** The hook reads words with `read`; anything else could split or inject, so it is refused. */
function checkedWord(value: string): string {
  if (!SAFE_WORD.test(value))
    throw new Error(`not safe in the network hook config: ${JSON.stringify(value)}`);
  return value;
}
