import { z } from "zod";
import { baseStatus, PHASE_DESCRIPTION, STATUS_DESCRIPTION } from "./conditions.js";
import { API_VERSION, deletionPolicy, driftPolicy, localRef, objectMeta, suspend } from "./meta.js";
import {
  absolutePath,
  checkedSecretRef as secretRef,
  cidr,
  hostName,
  ianaTimezone,
  ifaceName,
  iniValue,
  ipv4,
  osVariant,
  packageName,
  posixUserName,
  relativeOrAbsolutePath,
  resyncInterval,
  unprivilegedPort,
  url,
  urlFileName,
} from "./fields.js";
import { ironicInterfaces } from "./ironic.js";

const size = z.string().regex(/^[1-9]\d*[MGT]$/, "must be a size like 80G");

/** The seed's image: CentOS 7 GenericCloud (default login "centos"). */
export const DEFAULT_BASE_IMAGE_URL =
  "https://cloud.centos.org/centos/7/images/CentOS-7-x86_64-GenericCloud-1907.qcow2";

export const baseImage = z
  .object({
    url: url({
      schemes: "https?|file",
      absolute: true,
      what: "an http(s):// or file:// URL, or an absolute path",
    })
      .refine(
        (v) => !["", ".", ".."].includes(urlFileName(v)),
        "must end in the image's file name (not '/', '.' or '..'): the base image is cached under that name",
      )
      .describe(
        "Cloud image the VM's disk is copied from: http(s)://, file:// or an absolute path on the Manager; downloaded once and cached there.",
      ),
    checksum: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>")
      .optional()
      .describe("sha256:<64 hex digits> the cached image must match before use; default: not checked."),
  })
  .describe("The base cloud image; default the seed's CentOS 7 GenericCloud 1907.");

export const undercloudNic = z
  .object({
    networkRef: localRef.describe("A LibvirtNetwork on the same Manager the NIC plugs into."),
    model: z
      .enum(["virtio", "e1000"])
      .default("virtio")
      .describe("Emulated NIC model; default virtio, as the seed."),
  })
  .describe("One NIC of the VM.");

export const bmcSpec = z
  .object({
    address: ipv4
      .default("192.168.122.1")
      .describe(
        "Where vbmc listens: the Manager's address on the VMs' NAT network; default 192.168.122.1, as the seed.",
      ),
    port: unprivilegedPort
      .default(6230)
      .describe("UDP port of this VM's IPMI endpoint (1024-65535), unique per Manager; default 6230."),
    username: posixUserName.default("admin").describe("IPMI user name; default admin."),
    passwordRef: secretRef
      .optional()
      .describe(
        "IPMI password (at most 20 characters); default: one generated once and kept in the workspace.",
      ),
  })
  .describe(
    "A VirtualBMC (IPMI) endpoint for the VM on the Manager, as the seed added with `vbmc add`; omit for none.",
  );

/** Relative paths in undercloud.conf are under the guest user's home, as in the seed ($HOME/...). */
const homePath = (what: string, defaultValue: string) =>
  relativeOrAbsolutePath
    .default(defaultValue)
    .describe(`${what}; a relative path is under the guest user's home; default ${defaultValue}.`);

export const undercloudConf = z
  .object({
    outputDir: homePath("output_dir: where the install writes its files", "undercloud"),
    containerImagesFile: homePath(
      "container_images_file: the prepared container image list",
      "undercloud/container-images.yaml",
    ),
    localInterface: ifaceName
      .default("eth1")
      .describe("local_interface: the guest NIC on the OpenStack control plane (NIC 2); default eth1."),
    localIp: cidr
      .default("192.168.24.1/24")
      .describe(
        "local_ip: the undercloud's address on the control plane, with prefix; default 192.168.24.1/24.",
      ),
    undercloudHostname: hostName
      .optional()
      .describe("undercloud_hostname; default the VM's fqdn (<hostname>.localdomain)."),
    undercloudNameservers: z
      .array(ipv4)
      .default(["1.0.0.1"])
      .describe("undercloud_nameservers; default [1.0.0.1], as the seed."),
    debug: z.boolean().default(true).describe("undercloud_debug; default true, as the seed."),
    updatePackages: z
      .boolean()
      .default(false)
      .describe("undercloud_update_packages; default false (the seed used true, which is slow)."),
    ironic: ironicInterfaces.default(ironicInterfaces.parse({})),
    extra: z
      .record(z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be an undercloud.conf option name"), iniValue)
      .default({})
      .describe("Further [DEFAULT] settings, written as key = value (one line each, no quotes or '$')."),
  })
  .describe("undercloud.conf, rendered from these fields.");

export const tripleoRepositories = z
  .object({
    indexUrl: url({ schemes: "https?", suffix: "/", what: "an http(s):// URL ending in /" })
      .default("https://trunk.rdoproject.org/centos7/current/")
      .describe("Package index scanned for the python*-tripleo-repos package (as the seed did)."),
    packageUrl: url({ schemes: "https?", suffix: "\\.rpm", what: "an http(s):// URL of an .rpm" })
      .optional()
      .describe("Pin the tripleo-repos package instead of scanning indexUrl."),
    components: z
      .array(
        z
          .string()
          .max(63)
          .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a tripleo-repos component like current"),
      )
      .default(["current", "ceph"])
      .describe("Arguments to `tripleo-repos` after the release; default [current, ceph], as the seed."),
  })
  .describe("The TripleO package repositories set up in the guest.");

export const containerImageTags = z
  .object({
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a container image tag")
      .optional()
      .describe("The OpenStack container image tag (tag:); default: what `image prepare` wrote."),
    cephTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a container image tag")
      .optional()
      .describe("The Ceph container image tag (ceph_tag:); default: what `image prepare` wrote."),
  })
  .describe("Pins written into the prepared container-images.yaml (tag, ceph_tag); unset keeps the default.");

/** A podman container name, as TripleO names them (ironic_conductor, nova_compute...). */
const containerName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a container name like ironic_conductor");

export const postInstallStep = z
  .object({
    container: containerName.describe("The container (`podman ps` name) holding the file."),
    path: absolutePath.describe("The file inside the container, an absolute path."),
    patch: z
      .string()
      .min(1)
      .max(262144)
      .regex(/^(---|\+\+\+|@@|diff|Index:)/m, "must be a unified diff (with ---/+++/@@ lines)")
      .optional()
      .describe(
        "A unified diff of that one file (the seed's post-install patch). Skipped when `patch --dry-run -R` shows it is already applied; refused when it applies neither way.",
      ),
    content: z
      .string()
      .max(262144)
      .optional()
      .describe("The file's whole new content, written when it differs (instead of patch)."),
    restart: z
      .boolean()
      .default(true)
      .describe(
        "Restart the container's service each time the step runs, also when the file was already as wanted (unit `service`, else tripleo_<container>.service if present, else `podman restart`); default true.",
      ),
    service: z
      .string()
      .max(256)
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.@:-]*\.service$/,
        "must be a systemd unit like tripleo_ironic_conductor.service",
      )
      .optional()
      .describe("The systemd unit restarted; default tripleo_<container>.service when the guest has it."),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.patch === undefined) === (s.content === undefined))
      ctx.addIssue({
        code: "custom",
        path: [s.patch === undefined ? "patch" : "content"],
        message: "exactly one of patch (a unified diff) or content (the whole file) must be given",
      });
  })
  .describe(
    "One post-install change of a file inside a container: read with `podman exec`, changed, written back in place (owner and mode kept, atomically), then the service restarted. Idempotent: a file already as wanted is left alone.",
  );
export type PostInstallStep = z.infer<typeof postInstallStep>;

export const tripleoSpec = z
  .object({
    release: z
      .string()
      .max(32)
      .regex(/^[a-z]+$/, "must be a release name like train")
      .default("train")
      .describe("OpenStack release the repositories and undercloud are for; default train, as the seed."),
    profile: z
      .string()
      .max(63)
      .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a guest profile name like centos-tripleo")
      .default("centos-tripleo")
      .describe("The in-guest command set, a file in configuration/guest-profiles/; default centos-tripleo."),
    repositories: tripleoRepositories.default(tripleoRepositories.parse({})),
    packages: z
      .array(packageName)
      .default(["python-tripleoclient", "ceph-ansible"])
      .describe(
        "Installed after the repositories; default the seed's python-tripleoclient and ceph-ansible.",
      ),
    utilities: z
      .array(packageName)
      .default(["bash-completion", "wget", "vim"])
      .describe("Convenience packages installed first; default the seed's bash-completion, wget, vim."),
    upgrade: z
      .boolean()
      .default(true)
      .describe("Full system upgrade inside the VM before installing; default true, as the seed."),
    undercloudConf: undercloudConf.default(undercloudConf.parse({})),
    containerImageTags: containerImageTags.default({}),
    install: z
      .boolean()
      .default(true)
      .describe("Run `openstack undercloud install` (15-20 minutes); false stops after preparing the guest."),
    postInstall: z
      .array(postInstallStep)
      .max(64)
      .default([])
      .describe(
        "Ordered changes to files in the undercloud's containers after the install (the seed patched one Python file), after the profile's own post-install steps, only when install is true; an edit re-runs only this phase.",
      ),
  })
  .describe(
    "What runs inside the VM; each guest phase is journaled with its input hash: an edit re-runs the phase it changes and all later ones (an undercloud.conf edit runs `openstack undercloud install` again), nothing else.",
  );

export const cloudInitSpec = z
  .object({
    user: posixUserName
      .default("tripleo")
      .describe(
        "Guest login user with passwordless sudo and the operator's key; default tripleo, as the seed.",
      ),
    groups: z
      .array(posixUserName)
      .default(["wheel"])
      .describe("Extra groups of the guest user; default [wheel]."),
    passwordRef: secretRef
      .optional()
      .describe(
        "Guest user's password (sent only as a SHA-512 hash); default: one generated once and kept in the workspace.",
      ),
    hostname: hostName.optional().describe("Guest host name; default the libvirt domain name."),
    fqdn: hostName.optional().describe("Guest fully qualified name; default <hostname>.localdomain."),
    nameserver: ipv4.default("1.0.0.1").describe("DNS server of the guest; default 1.0.0.1, as the seed."),
    timezone: ianaTimezone
      .default("America/Chicago")
      .describe("Guest IANA timezone; default America/Chicago."),
    disableAfterFirstBoot: z
      .boolean()
      .default(true)
      .describe("Disable the cloud-init services after the first boot, as the seed did; default true."),
  })
  .describe(
    "The NoCloud seed, acting only at the first boot: a later edit is not applied; condition CloudInitApplied turns False (RecreateRequired, Ready unaffected) until the VM is made anew (labctl apply -f DIR --recreate).",
  );

export const tripleoUndercloudSpec = z
  .object({
    managerRef: localRef.describe("The LabManager the VM runs on."),
    domainName: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "must be a libvirt domain name")
      .optional()
      .describe("libvirt domain name of the VM; default metadata.name."),
    baseImage: baseImage.default({ url: DEFAULT_BASE_IMAGE_URL }),
    imagesDir: absolutePath
      .default("/var/lib/libvirt/images")
      .describe(
        "Directory on the Manager for the disk, the seed ISO and the cached base image; default /var/lib/libvirt/images.",
      ),
    diskSize: size
      .default("80G")
      .describe("Size the qcow2 disk is grown to, with unit M, G or T; default 80G, as the seed."),
    vcpus: z.number().int().min(1).max(256).default(4).describe("Virtual CPUs; default 4, as the seed."),
    memoryMiB: z
      .number()
      .int()
      .min(128)
      .max(1048576)
      .default(16000)
      .describe("Memory in MiB; default 16000, as the seed."),
    virtType: z
      .enum(["auto", "kvm", "qemu"])
      .default("auto")
      .describe(
        "kvm, qemu (software emulation, slow) or auto (default): kvm only when a test guest with the host CPU starts on the Manager.",
      ),
    osVariant: osVariant
      .default("centos7.0")
      .describe("osinfo id libvirt tunes the VM for (`osinfo-query os`); default centos7.0."),
    nics: z
      .array(undercloudNic)
      .min(1)
      .describe(
        "In order: NIC 1 (DHCP, hypervisor control plane), NIC 2 (left unconfigured, OpenStack control plane).",
      ),
    cloudInit: cloudInitSpec.default(cloudInitSpec.parse({})),
    tripleo: tripleoSpec.default(tripleoSpec.parse({})),
    bmc: bmcSpec.optional(),
    updatePolicy: z
      .enum(["Restart", "Manual"])
      .default("Manual")
      .describe(
        "For changes of vcpus, memoryMiB or nics that reach the saved definition only: Restart shuts the VM down (ACPI, forced off after 120 s) and starts it again; Manual (default) stops with RestartRequired until it is restarted by hand.",
      ),
    adopt: z
      .boolean()
      .default(false)
      .describe(
        "Take over an unstamped disk, seed ISO, domain or VirtualBMC entry of this VM's names (stamped ours, so deletion removes it); default false refuses with Conflict and touches none. Another object's is never taken.",
      ),
    driftPolicy,
    deletionPolicy,
    suspend,
    resyncInterval: resyncInterval("10m"),
  })
  .describe("Desired state of the undercloud VM and what runs inside it.");
export type TripleOUndercloudSpec = z.infer<typeof tripleoUndercloudSpec>;

export const tripleoUndercloudStatus = baseStatus
  .extend({
    phase: z.string().optional().describe(PHASE_DESCRIPTION),
    ipAddress: z
      .string()
      .optional()
      .describe("The VM's IPv4 address on its first NIC (from its DHCP lease)."),
    hostKeyFingerprints: z
      .array(z.string())
      .optional()
      .describe("SHA256 fingerprints of the VM's pre-generated host keys, pinned for every login."),
    journal: z
      .array(z.string())
      .optional()
      .describe(
        "Phases finished, in order (created, booted, keyed, packages, configured, installed, postInstalled); a restart resumes after the last, a phase whose input changed runs again with the later ones.",
      ),
  })
  .describe(STATUS_DESCRIPTION);

export const tripleoUndercloud = z
  .object({
    apiVersion: z.literal(API_VERSION).describe(`Always ${API_VERSION}.`),
    kind: z.literal("TripleOUndercloud").describe("Always TripleOUndercloud."),
    metadata: objectMeta,
    spec: tripleoUndercloudSpec,
    status: tripleoUndercloudStatus.optional(),
  })
  .describe(
    'The TripleO undercloud VM on a LabManager (the seed\'s "prepare TripleO" and "deploy TripleO" steps).',
  );
export type TripleOUndercloud = z.infer<typeof tripleoUndercloud>;
