import { NETWORK_HOOK } from "../labmanager/paths.js";

/** The libvirt network hook script the LabManager installs. */
export { NETWORK_HOOK };

/** The hook's config when the LabManager spec does not say (its schema default). */
export const DEFAULT_HOOK_CONFIG = "/etc/lab-operator/network-hook.conf";

/** Where a network definition is uploaded before `virsh net-define`. */
export const DEFINE_DIR = "/var/lib/lab-operator/networks";

/** libvirt's connection for system networks; explicit so a login's LIBVIRT_DEFAULT_URI cannot redirect us. */
export const LIBVIRT_URI = "qemu:///system";
