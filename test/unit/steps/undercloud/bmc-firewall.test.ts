import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { labManagerSpec } from "../../../../src/api/labmanager.js";
import {
  type FirewallFacts,
  firewallFacts,
  openingName,
  parseOpening,
  planBmcFirewall,
  planBmcFirewallCleanup,
  planBmcFirewallFor,
  releasedBy,
} from "../../../../src/steps/bmc/firewall.js";
import { OBSERVE_FIREWALL } from "../../../../src/steps/bmc/firewall-scripts.js";
import type { OwnedResource, Step } from "../../../../src/steps/types.js";
import { recordingHost } from "../manager-fixtures.js";

const ids = (steps: Step[]) => steps.map((s) => s.id);
const owned = (...names: string[]): OwnedResource[] => names.map((name) => ({ kind: "firewall-port", name }));
const scriptArgs = (argv: readonly string[]) => argv.slice(4);

/** The seed's BMC: 192.168.122.1 on the hypervisor bridge, which libvirt puts in its zone. */
function firewalld(zones: FirewallFacts["zones"]): FirewallFacts {
  return { backend: "firewalld", iface: "hypervisor", zones, chains: [] };
}
const closed = (zone: string) => ({ zone, runtime: false, permanent: false });

function nftables(chains: Partial<FirewallFacts["chains"][number]>[]): FirewallFacts {
  const full = chains.map((c) => ({
    family: "inet",
    table: "filter",
    chain: "input",
    filters: true,
    ours: false,
    ...c,
  }));
  return { backend: "nftables", iface: "", zones: [], chains: full };
}

describe("BMC firewall plan (spec.virtualBMC.openFirewall)", () => {
  it("firewalld: opens the port in the zone of the VM network, now and permanently, and owns it", async () => {
    const steps = planBmcFirewall(6230, firewalld([closed("libvirt")]), { open: true, owned: [] });
    assert.deepEqual(ids(steps), ["bmc/firewall/firewalld:libvirt:6230"]);
    assert.deepEqual(steps[0]!.owns, { kind: "firewall-port", name: "firewalld:libvirt:6230" });
    const { calls, ctx } = recordingHost();
    await steps[0]!.apply(ctx);
    assert.deepEqual(scriptArgs(calls[0]!.argv), ["libvirt", "6230"]);
    assert.match(calls[0]!.argv[2]!, /--permanent --zone="\$zone" --add-port/);
    assert.doesNotMatch(calls[0]!.argv[2]!, /--reload/, "a reload would drop other runtime state");
  });

  it("firewalld: an open port needs nothing; one half open by someone else is completed, not owned", () => {
    const open = { zone: "libvirt", runtime: true, permanent: true };
    assert.deepEqual(planBmcFirewall(6230, firewalld([open]), { open: true, owned: [] }), []);
    const half = { zone: "libvirt", runtime: false, permanent: true };
    const steps = planBmcFirewall(6230, firewalld([half]), { open: true, owned: [] });
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.owns, undefined);
  });

  it("a port we opened and someone closed is reopened as drift, without recording it twice", () => {
    const steps = planBmcFirewall(6230, firewalld([closed("libvirt")]), {
      open: true,
      owned: owned("firewalld:libvirt:6230"),
      wasConverged: true,
    });
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.owns, undefined);
    assert.equal(steps[0]!.drift, "UDP port 6230 closed in the firewalld zone libvirt");
  });

  it("a changed port closes the old one we opened and opens the new one", () => {
    const steps = planBmcFirewall(6231, firewalld([closed("libvirt")]), {
      open: true,
      owned: owned("firewalld:libvirt:6230"),
    });
    assert.deepEqual(ids(steps), [
      "cleanup/bmc/firewall/firewalld:libvirt:6230",
      "bmc/firewall/firewalld:libvirt:6231",
    ]);
    assert.deepEqual(releasedBy(steps[0]!), { kind: "firewall-port", name: "firewalld:libvirt:6230" });
    assert.equal(releasedBy(steps[1]!), undefined);
  });

  it("openFirewall off opens nothing and closes only what we opened", () => {
    const open = { zone: "libvirt", runtime: true, permanent: true };
    assert.deepEqual(planBmcFirewall(6230, firewalld([open]), { open: false, owned: [] }), []);
    const steps = planBmcFirewall(6230, firewalld([open]), {
      open: false,
      owned: owned("firewalld:libvirt:6230"),
    });
    assert.deepEqual(ids(steps), ["cleanup/bmc/firewall/firewalld:libvirt:6230"]);
  });

  it("the Manager's virtualBMC.openFirewall (and virtualBMC.enabled) decide for an undercloud's BMC", () => {
    const facts = firewalld([closed("libvirt")]);
    const manager = (virtualBMC: object) => labManagerSpec.parse({ address: "m", virtualBMC });
    assert.equal(planBmcFirewallFor(manager({}), 6230, facts, []).length, 1, "on by default");
    assert.deepEqual(planBmcFirewallFor(manager({ openFirewall: false }), 6230, facts, []), []);
    assert.deepEqual(planBmcFirewallFor(manager({ enabled: false }), 6230, facts, []), []);
  });

  it("nftables: a tagged accept rule only in chains that filter input", async () => {
    const facts = nftables([{}, { table: "libvirt", chain: "INPUT", filters: false }]);
    const steps = planBmcFirewall(6230, facts, { open: true, owned: [] });
    assert.deepEqual(ids(steps), ["bmc/firewall/nft:inet:filter:input:6230"]);
    const { calls, ctx } = recordingHost();
    await steps[0]!.apply(ctx);
    assert.deepEqual(scriptArgs(calls[0]!.argv), ["inet", "filter", "input", "6230"]);
    assert.match(calls[0]!.argv[2]!, /nft insert rule .* accept comment/);
    assert.deepEqual(planBmcFirewall(6230, nftables([{ ours: true }]), { open: true, owned: [] }), []);
  });

  it("nothing filters (no firewalld, no filtering chain): nothing to open", () => {
    const none: FirewallFacts = { backend: "none", iface: "", zones: [], chains: [] };
    assert.deepEqual(planBmcFirewall(6230, none, { open: true, owned: [] }), []);
    assert.deepEqual(planBmcFirewall(6230, nftables([{ filters: false }]), { open: true, owned: [] }), []);
  });

  it("deletion closes exactly the recorded openings, ignoring names it cannot read", () => {
    const steps = planBmcFirewallCleanup([
      ...owned("firewalld:libvirt:6230", "nft:inet:filter:input:6230", "garbage", "firewalld:x:99999"),
      { kind: "file", name: "/var/lib/libvirt/images/tripleo.qcow2" },
    ]);
    assert.deepEqual(ids(steps), [
      "cleanup/bmc/firewall/firewalld:libvirt:6230",
      "cleanup/bmc/firewall/nft:inet:filter:input:6230",
    ]);
  });

  it("recorded names read back as the opening they were made from", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_./-]{0,20}$/);
    const port = fc.integer({ min: 1, max: 65535 });
    const opening = fc.oneof(
      fc.record({ backend: fc.constant("firewalld" as const), zone: name, port }),
      fc.record({ backend: fc.constant("nftables" as const), family: name, table: name, chain: name, port }),
    );
    fc.assert(fc.property(opening, (o) => assert.deepEqual(parseOpening(openingName(o)), { ...o })));
  });
});

/** OBSERVE_FIREWALL on this machine with a stub `nft` printing a ruleset (no firewall-cmd here). */
function observeWithNft(ruleset: string, port = 6230): FirewallFacts {
  const dir = mkdtempSync(join(tmpdir(), "fw-observe-"));
  try {
    writeFileSync(join(dir, "ruleset"), ruleset);
    writeFileSync(join(dir, "nft"), `#!/bin/sh\ncat "${join(dir, "ruleset")}"\n`);
    writeFileSync(join(dir, "firewall-cmd"), "#!/bin/sh\nexit 252\n"); // installed, not running
    for (const f of ["nft", "firewall-cmd"]) chmodSync(join(dir, f), 0o755);
    const r = spawnSync("bash", ["-c", OBSERVE_FIREWALL, "lab-operator", "192.168.122.1", String(port)], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return firewallFacts.parse(JSON.parse(r.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("BMC firewall observe (nftables ruleset from a stub nft)", () => {
  it("finds filtering input chains and our tagged rule; ignores nat, forward and accepting chains", () => {
    const facts = observeWithNft(`table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tudp dport 6230 accept comment "lab-operator bmc 6230"
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t}
}
table ip libvirt_like {
\tchain INPUT {
\t\ttype filter hook input priority filter; policy accept;
\t\tcounter packets 3 bytes 180 jump LIBVIRT_INP
\t}
\tchain LIBVIRT_INP {
\t\tdrop
\t}
}
table ip strict {
\tchain in {
\t\ttype filter hook input priority 10; policy accept;
\t\tcounter packets 0 bytes 0 reject with icmp type admin-prohibited
\t}
}
table bridge br {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t}
}
`);
    assert.equal(facts.backend, "nftables");
    assert.deepEqual(facts.chains, [
      { family: "inet", table: "filter", chain: "input", filters: true, ours: true },
      { family: "ip", table: "libvirt_like", chain: "INPUT", filters: false, ours: false },
      { family: "ip", table: "strict", chain: "in", filters: true, ours: false },
    ]);
  });

  it("our rule for another port is not ours for this one", () => {
    const facts = observeWithNft(
      `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tudp dport 6231 accept comment "lab-operator bmc 6231"\n\t}\n}\n`,
    );
    assert.deepEqual(facts.chains, [
      { family: "inet", table: "filter", chain: "input", filters: true, ours: false },
    ]);
  });
});
