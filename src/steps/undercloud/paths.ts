import { basename } from "node:path";
import { posix } from "node:path";

/** The system libvirt of the Manager (root's), as for the other libvirt steps. */
export const LIBVIRT_URI = "qemu:///system";

/** XML namespace of our ownership stamp in a domain's <metadata>. */
export const OWNERSHIP_NS = "https://openstacklab.io/ownership";
/** Prefix of that namespace in the stamp (`virsh metadata --key`). */
export const OWNERSHIP_KEY = "lab";

/** Private directory on the Manager for each VM's rendered seed inputs (password hash, host key). */
export const SEED_INPUT_ROOT = "/var/lib/lab-operator/undercloud";

export interface UndercloudPaths {
  /** The VM's disk: a copy of the base image, resized. */
  disk: string;
  /** NoCloud seed ISO (volume id cidata). */
  seed: string;
  /** The base image as fetched once into the images directory. */
  base: string;
  /** The verified sha256 of `base`, written after fetching it. */
  baseChecksum: string;
  /** Written before the first file is made: cleanup removes files only when it exists. */
  ownerMarker: string;
  /** 0700 directory with user-data / meta-data / network-config (mode 0600). */
  seedInputs: string;
}

/** Where the base image of a URL or Manager path lands: one file per name under images/lab-operator-base. */
export function baseImageName(url: string): string {
  const path = url
    .replace(/^file:\/\//, "")
    .replace(/^https?:\/\/[^/]+/, "")
    .replace(/[?#].*$/, "");
  const name = basename(path);
  return name === "" ? "base.qcow2" : name;
}

export function undercloudPaths(imagesDir: string, domain: string, baseUrl: string): UndercloudPaths {
  const base = posix.join(imagesDir, "lab-operator-base", baseImageName(baseUrl));
  return {
    disk: posix.join(imagesDir, `${domain}.qcow2`),
    seed: posix.join(imagesDir, `${domain}-cloud-init.iso`),
    base,
    baseChecksum: `${base}.sha256`,
    ownerMarker: posix.join(imagesDir, `.${domain}.lab-operator`),
    seedInputs: posix.join(SEED_INPUT_ROOT, domain),
  };
}

/** A local path on the Manager for file:// URLs and absolute paths; undefined for http(s). */
export function managerLocalPath(url: string): string | undefined {
  if (url.startsWith("/")) return url;
  if (url.startsWith("file://")) return decodeURIComponent(url.slice("file://".length));
  return undefined;
}
