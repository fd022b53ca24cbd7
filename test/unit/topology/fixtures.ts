import { labManager, libvirtNetwork, tripleoUndercloud, type LabObject } from "../../../src/api/index.js";
import { emptyState, type ObjectState } from "../../../src/controllers/state.js";

const meta = (name: string) => ({ name, namespace: "default" });
const apiVersion = "openstacklab.io/v1alpha1";

/** The tutorial's lab in small: a Manager with two host bridges, three networks, one VM. */
export function labObjects(): LabObject[] {
  return [
    tripleoUndercloud.parse({
      apiVersion,
      kind: "TripleOUndercloud",
      metadata: meta("undercloud"),
      spec: {
        managerRef: { name: "lab" },
        nics: [
          { networkRef: { name: "hypervisor-control-plane" } },
          { networkRef: { name: "openstack-cp" } },
        ],
      },
    }),
    libvirtNetwork.parse({
      apiVersion,
      kind: "LibvirtNetwork",
      metadata: meta("openstack-cp"),
      spec: { managerRef: { name: "lab" }, mode: "bridge", bridge: "openstack" },
    }),
    libvirtNetwork.parse({
      apiVersion,
      kind: "LibvirtNetwork",
      metadata: meta("hypervisor-control-plane"),
      spec: {
        managerRef: { name: "lab" },
        mode: "nat",
        bridge: "hypervisor",
        ipv4: { address: "192.168.122.1/24" },
      },
    }),
    libvirtNetwork.parse({
      apiVersion,
      kind: "LibvirtNetwork",
      metadata: meta("public"),
      spec: { managerRef: { name: "lab" }, mode: "bridge", bridge: "public" },
    }),
    labManager.parse({
      apiVersion,
      kind: "LabManager",
      metadata: meta("lab"),
      spec: {
        address: "192.168.1.10",
        bridges: [{ name: "public", addresses: ["10.0.2.1/24"] }, { name: "openstack" }],
      },
    }),
  ];
}

/** Saved state with a Ready condition, as the runtime writes it. */
export function stateWithReady(
  kind: ObjectState["kind"],
  name: string,
  status: "True" | "False",
  reason: string,
  message = "",
): ObjectState {
  const s = emptyState(kind, "default", name);
  s.status.conditions = [
    { type: "Ready", status, reason, message, lastTransitionTime: "2026-01-01T00:00:00Z" },
  ];
  return s;
}
