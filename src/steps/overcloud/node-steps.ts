import { randomBytes } from "node:crypto";
import { runScript, writeRemoteFile } from "../run.js";
import type { Step } from "../types.js";
import { renderDomainXml, type DomainInput } from "../undercloud/domain-xml.js";
import { LIBVIRT_URI, OWNERSHIP_KEY, OWNERSHIP_NS } from "../undercloud/paths.js";
import { describeOwner, renderStamp, type Owner, type Stamp } from "../undercloud/stamp.js";
import { defineStep } from "../undercloud/steps.js";
import { DOMAIN_CTL, REMOVE_VM, WRITE_MARKER } from "../undercloud/vm-scripts.js";
import { CREATE_BLANK_DISK, REDEFINE_NODE } from "./node-scripts.js";
import type { NodePaths } from "./paths.js";

const MINUTE = 60_000;

/** Step ids are per node: node/<name>/<what>. */
export function forNode(name: string, step: Step): Step {
  return { ...step, id: `node/${name}/${step.id}` };
}

export function markerStep(name: string, paths: NodePaths, owner: Owner): Step {
  return forNode(name, {
    id: "marker",
    description: `record ${describeOwner(owner)} as owner of the files of ${name} in ${paths.marker}`,
    owns: { kind: "file", name: paths.marker },
    async apply(ctx) {
      // Refuses a marker that names another owner (written since observe).
      await runScript(ctx, WRITE_MARKER, [paths.marker, describeOwner(owner)], {
        purpose: "record file ownership",
      });
    },
  });
}

export function diskStep(name: string, path: string, index: number, sizeGiB: number): Step {
  return forNode(name, {
    id: `disk/${index}`,
    description: `create the blank ${sizeGiB} GiB qcow2 disk ${path}`,
    owns: { kind: "file", name: path },
    apply: async (ctx) => {
      await runScript(ctx, CREATE_BLANK_DISK, [path, String(sizeGiB)], { purpose: `create disk ${path}` });
    },
  });
}

/** Defined, never started: a new node stays powered off until Ironic powers it on. */
export function defineNodeStep(input: DomainInput, now: () => string): Step {
  const step = defineStep(input, now);
  const nics = input.nics.map((n) => `${n.network} ${n.mac ?? ""}`.trim()).join(", ");
  return forNode(input.name, {
    ...step,
    id: "define",
    description: `define node ${input.name} powered off (${input.vcpus} vCPUs, ${input.memoryMiB} MiB, boot network then disk; NICs ${nics})`,
  });
}

export function redefineNodeStep(input: DomainInput, drift: string): Step {
  return forNode(input.name, {
    id: "redefine",
    description: `rewrite the saved definition of ${input.name} (${drift}); it applies at the node's next power-on`,
    drift,
    async apply(ctx) {
      const path = `/tmp/lab-operator-domain-${randomBytes(6).toString("hex")}.xml`;
      await writeRemoteFile(ctx, path, renderDomainXml(input), {
        mode: "0600",
        purpose: "upload domain definition",
      });
      await runScript(ctx, REDEFINE_NODE, [LIBVIRT_URI, path, input.name, OWNERSHIP_NS, input.uuid ?? ""], {
        purpose: `redefine node ${input.name}`,
      });
    },
  });
}

/** Rewrite the node's stamp (its role, index and BMC port) in the domain metadata. */
export function stampStep(name: string, stamp: Stamp, why: string): Step {
  return forNode(name, {
    id: "stamp",
    description: `record ${why} in the metadata of ${name}`,
    async apply(ctx) {
      const xml = renderStamp(stamp, {}, "set");
      await runScript(ctx, DOMAIN_CTL, [LIBVIRT_URI, "journal", name, xml, OWNERSHIP_NS, OWNERSHIP_KEY], {
        purpose: `stamp ${name}`,
        timeoutMs: 2 * MINUTE,
      });
    },
  });
}

/** Destroy and undefine the node (stamped only), then its disks when our marker is there. */
export function removeNodeStep(name: string, paths: NodePaths, owner: Owner): Step {
  const tmp = paths.disks.map((d) => `${d}.lab-operator.tmp`);
  return forNode(name, {
    id: "remove",
    description: `power off and undefine ${name}, then remove its disks`,
    async apply(ctx) {
      await runScript(
        ctx,
        REMOVE_VM,
        [
          LIBVIRT_URI,
          name,
          paths.marker,
          OWNERSHIP_NS,
          describeOwner(owner),
          owner.kind,
          owner.namespace,
          owner.name,
          ...paths.disks,
          ...tmp,
        ],
        {
          purpose: `remove node ${name}`,
          timeoutMs: 5 * MINUTE,
        },
      );
    },
  });
}
