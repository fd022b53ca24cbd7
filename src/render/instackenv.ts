/**
 * TripleO's node definition file, instackenv.json, as `openstack overcloud node import`
 * reads it: one entry per node with its BMC (pm_*), the PXE NIC's MAC, sizes and the
 * capabilities that match it to a flavor profile.
 */
export interface InstackNode {
  name: string;
  profile: string;
  /** The PXE NIC's MAC first; Ironic creates one port per MAC listed. */
  macs: string[];
  bmc: { type: "ipmi" | "redfish"; address: string; port: number; user: string; password: string };
  /** Redfish only: the System's UUID (its path under /redfish/v1/Systems/). */
  systemId?: string;
  cpu: number;
  memoryMiB: number;
  diskGiB: number;
  arch: string;
}

/**
 * IPMI: pm_addr + pm_port, as ironic's ipmitool takes them. Redfish: the address carries
 * scheme and port (the emulator speaks plain HTTP; Ironic assumes https without a scheme)
 * and pm_system_id names the System. Sizes are strings, as TripleO's own examples write them.
 */
function entry(node: InstackNode): Record<string, unknown> {
  const { bmc } = node;
  const access =
    bmc.type === "ipmi"
      ? { pm_type: "ipmi", pm_addr: bmc.address, pm_port: String(bmc.port) }
      : {
          pm_type: "redfish",
          pm_addr: `http://${bmc.address}:${bmc.port}`,
          pm_port: String(bmc.port),
          pm_system_id: `/redfish/v1/Systems/${node.systemId ?? ""}`,
        };
  return {
    name: node.name,
    ...access,
    pm_user: bmc.user,
    pm_password: bmc.password,
    mac: node.macs,
    cpu: String(node.cpu),
    memory: String(node.memoryMiB),
    disk: String(node.diskGiB),
    arch: node.arch,
    capabilities: `profile:${node.profile},boot_option:local`,
  };
}

/** The file's text (it holds BMC passwords: write it 0600). */
export function renderInstackenv(nodes: readonly InstackNode[]): string {
  return `${JSON.stringify({ nodes: nodes.map(entry) }, null, 2)}\n`;
}
