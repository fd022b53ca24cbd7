/**
 * A BMC and a "VM" on a sandbox Manager for firewall tests, without booting a guest: a
 * libvirt domain defined but never started (vbmc answers `power status` for it: off), its
 * VirtualBMC entry, and a network namespace inside the Manager attached to a bridge by a
 * veth pair, standing where a VM's NIC would be. ipmitool then runs from that namespace,
 * so its packets enter the Manager through the bridge, as a VM's do, and meet the firewall.
 */
export type Shell = (script: string) => Promise<string>;

export interface BmcFixture {
  domain: string;
  address: string;
  port: number;
  user: string;
  password: string;
}

/** A domain that exists for libvirt (and so for vbmc) but never runs. */
export async function addIdleBmc(sh: Shell, b: BmcFixture): Promise<void> {
  const xml = `<domain type='qemu'><name>${b.domain}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`;
  await sh(`printf '%s' "${xml}" >/tmp/${b.domain}.xml && virsh define /tmp/${b.domain}.xml >/dev/null`);
  await sh(
    `vbmc add ${b.domain} --address ${b.address} --port ${b.port} --username ${b.user} --password ${b.password} ` +
      `&& vbmc start ${b.domain}`,
  );
}

export async function removeIdleBmc(sh: Shell, domain: string): Promise<void> {
  await sh(
    `vbmc delete ${domain} 2>/dev/null; virsh undefine ${domain} >/dev/null 2>&1; rm -f /tmp/${domain}.xml; true`,
  );
}

/** Namespace `ns` with address `cidr` on a veth whose other end is a port of `bridge`. */
export async function attachNamespace(sh: Shell, ns: string, bridge: string, cidr: string): Promise<void> {
  await sh(
    [
      `ip netns add ${ns}`,
      `ip link add ${ns}h type veth peer name ${ns}v`,
      `ip link set ${ns}v netns ${ns}`,
      `ip link set ${ns}h master ${bridge} up`,
      `ip -n ${ns} addr add ${cidr} dev ${ns}v`,
      `ip -n ${ns} link set ${ns}v up`,
      `ip -n ${ns} link set lo up`,
    ].join(" && "),
  );
}

export async function detachNamespace(sh: Shell, ns: string): Promise<void> {
  await sh(`ip link del ${ns}h 2>/dev/null; ip netns del ${ns} 2>/dev/null; true`);
}

/**
 * Whether the BMC answers `power status` from inside `ns` (or from the Manager itself when
 * ns is empty). The bridge port forwards only after STP's forward delay, so an answer is
 * polled for up to `seconds`; a refusal is reported once the deadline passes.
 */
export async function ipmiAnswers(sh: Shell, ns: string, b: BmcFixture, seconds: number): Promise<boolean> {
  const prefix = ns ? `ip netns exec ${ns} ` : "";
  const out = await sh(
    `end=$((SECONDS + ${seconds})); export IPMI_PASSWORD=${b.password}; ` +
      `until ${prefix}ipmitool -I lanplus -H ${b.address} -p ${b.port} -U ${b.user} -E -N 1 -R 1 power status >/dev/null 2>&1; do ` +
      `[ $SECONDS -lt $end ] || { echo refused; exit 0; }; sleep 0.5; done; echo answered`,
  );
  return out.trim() === "answered";
}
