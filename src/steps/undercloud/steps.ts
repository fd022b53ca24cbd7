import { randomBytes } from "node:crypto";
import { runScript, writeRemoteFile } from "../run.js";
import type { Step, StepContext } from "../types.js";
import { renderDomainXml, type DomainInput } from "./domain-xml.js";
import { LIBVIRT_URI, OWNERSHIP_KEY, OWNERSHIP_NS, managerLocalPath, type UndercloudPaths } from "./paths.js";
import { describeOwner, renderStamp, type Owner, type Stamp } from "./stamp.js";
import {
  CREATE_DISK,
  CREATE_SEED,
  DEFINE_DOMAIN,
  DOMAIN_CTL,
  FETCH_BASE_IMAGE,
  REMOVE_VM,
  WRITE_MARKER,
} from "./vm-scripts.js";

/** The NoCloud seed's files, rendered from the spec (src/render/cloud-init.ts). Secret: 0600 only. */
export interface SeedFiles {
  userData: string;
  metaData: string;
  networkConfig?: string;
}

const MINUTE = 60_000;

/** The seed inputs dir, unless a seed appeared since observe (someone else's: left alone). */
const MAKE_SEED_INPUTS =
  'set -e; [ ! -e "$2" ] || { echo "$2 exists and is not ours: left alone" >&2; exit 7; }; umask 077; mkdir -p "$1"; chmod 0700 "$1"';

function ctl(
  ctx: StepContext,
  op: string,
  domain: string,
  extra: string[] = [],
  purpose = `virsh ${op} ${domain}`,
): Promise<unknown> {
  return runScript(ctx, DOMAIN_CTL, [LIBVIRT_URI, op, domain, ...extra], { purpose, timeoutMs: 2 * MINUTE });
}

export function ownerMarkerStep(paths: UndercloudPaths, owner: Owner, why = ""): Step {
  return {
    id: "vm/owner-marker",
    description: `record ${describeOwner(owner)} as owner of its files in ${paths.ownerMarker}${why}`,
    owns: { kind: "file", name: paths.ownerMarker },
    async apply(ctx) {
      await runScript(ctx, WRITE_MARKER, [paths.ownerMarker, describeOwner(owner)], {
        purpose: "record file ownership",
      });
    },
  };
}

export function baseImageStep(url: string, checksum: string | undefined, paths: UndercloudPaths): Step {
  const local = managerLocalPath(url);
  return {
    id: "vm/base-image",
    description: `${local ? "copy" : "download"} the base image ${url} to ${paths.base}${checksum ? " and verify its sha256" : ""}`,
    async apply(ctx) {
      const args = [
        local ? "copy" : "download",
        local ?? url,
        paths.base,
        paths.baseChecksum,
        checksum?.replace(/^sha256:/, "") ?? "",
      ];
      await runScript(ctx, FETCH_BASE_IMAGE, args, {
        purpose: "fetch the base image",
        timeoutMs: 60 * MINUTE,
      });
    },
  };
}

export function diskStep(paths: UndercloudPaths, size: string): Step {
  return {
    id: "vm/disk",
    description: `create ${paths.disk} from the base image, grown to ${size}`,
    owns: { kind: "file", name: paths.disk },
    async apply(ctx) {
      await runScript(ctx, CREATE_DISK, [paths.base, paths.disk, size], {
        purpose: "create the VM disk",
        timeoutMs: 30 * MINUTE,
      });
    },
  };
}

export function seedStep(paths: UndercloudPaths, files: SeedFiles): Step {
  return {
    id: "vm/seed",
    description: `create the NoCloud seed ${paths.seed} (user-data, meta-data${files.networkConfig ? ", network-config" : ""})`,
    owns: { kind: "file", name: paths.seed },
    async apply(ctx) {
      await runScript(ctx, MAKE_SEED_INPUTS, [paths.seedInputs, paths.seed], {
        purpose: "make the seed inputs dir",
      });
      const write = (name: string, content: string): Promise<void> =>
        writeRemoteFile(ctx, `${paths.seedInputs}/${name}`, content, {
          mode: "0600",
          purpose: `upload seed ${name}`,
        });
      await write("user-data", files.userData);
      await write("meta-data", files.metaData);
      if (files.networkConfig !== undefined) await write("network-config", files.networkConfig);
      await runScript(ctx, CREATE_SEED, [paths.seedInputs, paths.seed], { purpose: "create the seed ISO" });
    },
  };
}

/** Define the domain with its stamp (journal: created) in one `virsh define`; never redefines. */
export function defineStep(input: DomainInput, now: () => string): Step {
  return {
    id: "vm/define",
    description: `define domain ${input.name} (${input.virtType}, ${input.vcpus} vCPUs, ${input.memoryMiB} MiB, ${input.nics.length} NICs)`,
    async apply(ctx) {
      const path = `/tmp/lab-operator-domain-${randomBytes(6).toString("hex")}.xml`;
      const xml = renderDomainXml({ ...input, stampTimes: { created: now() } });
      await writeRemoteFile(ctx, path, xml, {
        mode: "0600",
        purpose: "upload domain definition",
      });
      await runScript(ctx, DEFINE_DOMAIN, [LIBVIRT_URI, path, input.name], {
        purpose: `define domain ${input.name}`,
      });
    },
  };
}

export function startStep(domain: string, drift?: string): Step {
  return {
    id: "vm/start",
    description: `start domain ${domain}`,
    ...(drift ? { drift } : {}),
    apply: (ctx) => ctl(ctx, "start", domain).then(() => undefined),
  };
}

export function autostartStep(domain: string, drift?: string): Step {
  return {
    id: "vm/autostart",
    description: `mark domain ${domain} to start with the Manager`,
    ...(drift ? { drift } : {}),
    apply: (ctx) => ctl(ctx, "autostart", domain).then(() => undefined),
  };
}

export function ejectSeedStep(domain: string, seed: string, drift?: string): Step {
  return {
    id: "vm/eject-seed",
    description: `eject the seed ISO from the saved definition of ${domain}`,
    ...(drift ? { drift } : {}),
    apply: (ctx) => ctl(ctx, "eject", domain, [seed]).then(() => undefined),
  };
}

/** Rewrite our stamp with one more phase; the `at` times of earlier phases are kept. */
export function journalStep(
  domain: string,
  stamp: Stamp,
  times: Record<string, string>,
  now: () => string,
): Step {
  const phase = stamp.journal[stamp.journal.length - 1] ?? "created";
  return {
    id: `vm/journal/${phase}`,
    description: `journal phase "${phase}" in the metadata of ${domain}`,
    async apply(ctx) {
      const xml = renderStamp(stamp, { ...times, [phase]: times[phase] ?? now() }, "set");
      await ctl(ctx, "journal", domain, [xml, OWNERSHIP_NS, OWNERSHIP_KEY], `journal ${phase} for ${domain}`);
    },
  };
}

/**
 * Rewrite our stamp without the phases about to run again (withoutPhasesFrom), before the
 * first of them starts: a crash midway then resumes at that phase, never after it.
 */
export function dropStep(domain: string, stamp: Stamp, times: Record<string, string>, why = ""): Step {
  return {
    id: "vm/journal/rerun",
    description: `drop the phases after ${stamp.journal.join(", ") || "none"} from the journal of ${domain}${why}`,
    async apply(ctx) {
      const xml = renderStamp(stamp, times, "set");
      await ctl(
        ctx,
        "journal",
        domain,
        [xml, OWNERSHIP_NS, OWNERSHIP_KEY],
        `drop re-run phases of ${domain}`,
      );
    },
  };
}

export function removeVmStep(domain: string, paths: UndercloudPaths, owner: Owner): Step {
  return {
    id: "vm/remove",
    description: `destroy and undefine ${domain} with its storage, then remove ${paths.disk} and ${paths.seed} if still there`,
    async apply(ctx) {
      await runScript(
        ctx,
        REMOVE_VM,
        [
          LIBVIRT_URI,
          domain,
          paths.ownerMarker,
          OWNERSHIP_NS,
          describeOwner(owner),
          owner.kind,
          owner.namespace,
          owner.name,
          paths.disk,
          paths.seed,
          `${paths.disk}.lab-operator.tmp`,
          `${paths.seed}.lab-operator.tmp`,
          paths.seedInputs,
        ],
        {
          purpose: `remove VM ${domain}`,
          timeoutMs: 5 * MINUTE,
        },
      );
    },
  };
}
