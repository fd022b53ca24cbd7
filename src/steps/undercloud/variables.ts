import { posix } from "node:path";
import type { TripleOUndercloudSpec } from "../../api/tripleoundercloud.js";
import type { GuestVariables } from "./profile.js";

export interface GuestIdentity {
  user: string;
  /** The user's home in the guest: /root for root, else /home/<user>. */
  home: string;
  fqdn: string;
}

export function homeOf(user: string): string {
  return user === "root" ? "/root" : `/home/${user}`;
}

/** A path of undercloud.conf's spec: relative ones are under the guest user's home. */
export function underHome(home: string, path: string): string {
  return path.startsWith("/") ? path : posix.join(home, path);
}

/** The variables and conditions the guest profiles use, from the spec. */
export function guestVariables(spec: TripleOUndercloudSpec, who: GuestIdentity): GuestVariables {
  const t = spec.tripleo;
  return {
    scalars: {
      release: t.release,
      user: who.user,
      home: who.home,
      fqdn: who.fqdn,
      indexUrl: t.repositories.indexUrl,
      repoPackageUrl: t.repositories.packageUrl ?? "",
      containerImagesFile: underHome(who.home, t.undercloudConf.containerImagesFile),
      outputDir: underHome(who.home, t.undercloudConf.outputDir),
      tag: t.containerImageTags.tag ?? "",
      cephTag: t.containerImageTags.cephTag ?? "",
    },
    lists: { utilities: t.utilities, packages: t.packages, components: t.repositories.components },
    conditions: {
      upgrade: t.upgrade,
      install: t.install,
      tag: t.containerImageTags.tag !== undefined,
      cephTag: t.containerImageTags.cephTag !== undefined,
      introspect: false,
    },
  };
}
