import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tripleoUndercloud, type TripleOUndercloud } from "../../../src/api/index.js";
import { fileURLToPath } from "node:url";
import { loadValidManifests } from "../../../src/sources/manifestloader.js";
import { DOMAIN_EVENT_ARGV } from "../../../src/steps/libvirt-events.js";
import { domainEvents } from "../../../src/steps/domain-events.js";

const EXAMPLE = fileURLToPath(new URL("../../../manifests/", import.meta.url));

// Lines as virsh 9.0 prints them with --timestamp (libvirt's virsh-domain-event.c formats).
const at = "2026-12-02 22:51:07.113+0000";
const uc = (name: string, domainName?: string): TripleOUndercloud =>
  tripleoUndercloud.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "TripleOUndercloud",
    metadata: { name },
    spec: {
      managerRef: { name: "lab" },
      nics: [{ networkRef: { name: "hypervisor" } }],
      ...(domainName ? { domainName } : {}),
    },
  });

describe("libvirt domain events", () => {
  const objects = [uc("undercloud", "tripleo"), uc("other")];
  const affected = (line?: string) => domainEvents.affected(line, objects).map((k) => k.name);

  it("watch every domain event in one stream", () => {
    assert.deepEqual(domainEvents.argv, DOMAIN_EVENT_ARGV);
    assert.ok(DOMAIN_EVENT_ARGV.includes("--all") && DOMAIN_EVENT_ARGV.includes("--loop"));
  });

  it("a VM stopped, undefined or changed by hand re-queues its own object only", () => {
    assert.deepEqual(affected(`${at}: event 'lifecycle' for domain 'tripleo': Stopped Destroyed`), [
      "undercloud",
    ]);
    assert.deepEqual(affected(`${at}: event 'lifecycle' for domain 'tripleo': Undefined Removed`), [
      "undercloud",
    ]);
    assert.deepEqual(affected(`${at}: event 'device-removed' for domain 'tripleo': net1`), ["undercloud"]);
    assert.deepEqual(affected(`${at}: event 'device-added' for domain 'other': net2`), ["other"]);
    assert.deepEqual(affected(`${at}: event 'lifecycle' for domain 'someone-elses': Stopped Destroyed`), []);
  });

  it("events that change nothing a spec declares re-queue nothing (our own journal writes among them)", () => {
    assert.deepEqual(
      affected(
        `${at}: event 'metadata-change' for domain 'tripleo': element https://openstacklab.io/ownership`,
      ),
      [],
    );
    assert.deepEqual(affected(`${at}: event 'rtc-change' for domain 'tripleo': 0`), []);
    assert.deepEqual(affected(`${at}: event 'lifecycle' for network tripleo: Stopped`), []);
    assert.deepEqual(affected("events received: 3"), []);
  });

  it("on (re)connect every VM of the Manager is looked at: events may have been missed", () => {
    assert.deepEqual(affected(undefined), ["undercloud", "other"]);
  });
});

describe("libvirt domain events of the example lab (manifests/): the undercloud and the nodes", () => {
  const lab = async () => {
    const { objects, errors } = await loadValidManifests([EXAMPLE]);
    assert.deepEqual(errors, []);
    return objects
      .map((o) => o.object)
      .filter((o) => o.kind === "TripleOUndercloud" || o.kind === "OvercloudNodeSet");
  };
  const hit = async (domain: string, event = "lifecycle", detail = "Stopped Destroyed") =>
    domainEvents
      .affected(`${at}: event '${event}' for domain '${domain}': ${detail}`, await lab())
      .map((k) => `${k.kind}/${k.name}`);

  it("a node stopped, undefined or given a NIC by hand re-queues its OvercloudNodeSet", async () => {
    for (const node of ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"])
      assert.deepEqual(await hit(node), ["OvercloudNodeSet/overcloud"], node);
    assert.deepEqual(await hit("overcloud-compute-0", "lifecycle", "Undefined Removed"), [
      "OvercloudNodeSet/overcloud",
    ]);
    assert.deepEqual(await hit("overcloud-controller-1", "device-added", "net3"), [
      "OvercloudNodeSet/overcloud",
    ]);
  });

  it("the undercloud VM re-queues the TripleOUndercloud; a node beyond the counts, nothing", async () => {
    assert.deepEqual(await hit("tripleo"), ["TripleOUndercloud/tripleo"]);
    assert.deepEqual(await hit("overcloud-compute-1"), []);
    assert.deepEqual(await hit("overcloud-controller-0", "metadata-change", "element x"), []);
  });
});
