import type { TripleOUndercloud } from "../api/index.js";
import {
  renderMetaData,
  renderNetworkConfig,
  renderUndercloudConf,
  renderUserData,
} from "../render/index.js";
import type { BmcDesired } from "../steps/bmc/plan.js";
import type { DomainNic } from "../steps/undercloud/domain-xml.js";
import type { GuestFiles, GuestLogin } from "../steps/undercloud/guest.js";
import { sha512Crypt } from "../steps/undercloud/password-hash.js";
import { undercloudPaths } from "../steps/undercloud/paths.js";
import type { UndercloudDesired } from "../steps/undercloud/plan.js";
import { loadGuestProfile, renderProfile, type RenderedProfile } from "../steps/undercloud/profile.js";
import { undercloudOwner } from "../steps/undercloud/stamp.js";
import { guestVariables, homeOf } from "../steps/undercloud/variables.js";
import type { UndercloudCredentials } from "./hostaccess.js";

/** First boot under QEMU's software emulation takes minutes; KVM would need far less. */
const BOOT_TIMEOUT_SECONDS = 900;

export function domainName(uc: TripleOUndercloud): string {
  return uc.spec.domainName ?? uc.metadata.name;
}

function identity(uc: TripleOUndercloud): { hostname: string; fqdn: string; user: string; home: string } {
  const ci = uc.spec.cloudInit;
  const hostname = ci.hostname ?? domainName(uc);
  return { hostname, fqdn: ci.fqdn ?? `${hostname}.localdomain`, user: ci.user, home: homeOf(ci.user) };
}

/** The VM as the spec wants it, with the networks resolved and the seed rendered. */
export function desiredVm(
  uc: TripleOUndercloud,
  creds: UndercloudCredentials,
  nics: DomainNic[],
): UndercloudDesired {
  const domain = domainName(uc);
  const spec = uc.spec;
  const who = identity(uc);
  return {
    domain,
    owner: undercloudOwner(uc.metadata.namespace, uc.metadata.name),
    paths: undercloudPaths(spec.imagesDir, domain, spec.baseImage.url),
    baseImage: spec.baseImage,
    diskSize: spec.diskSize,
    virtType: spec.virtType,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    nics,
    seed: {
      userData: renderUserData({
        hostname: who.hostname,
        fqdn: who.fqdn,
        user: who.user,
        groups: spec.cloudInit.groups,
        password: { hash: sha512Crypt(creds.password) },
        authorizedKey: creds.publicKey,
        timezone: spec.cloudInit.timezone,
        hostKey: creds.hostKey,
        disableAfterFirstBoot: spec.cloudInit.disableAfterFirstBoot,
      }),
      metaData: renderMetaData({ instanceId: `${domain}-${uc.metadata.uid ?? "1"}`, hostname: who.hostname }),
      networkConfig: renderNetworkConfig({ nameservers: [spec.cloudInit.nameserver] }),
    },
    serialLog: `/var/log/libvirt/qemu/${domain}-serial.log`,
    bootTimeoutSeconds: BOOT_TIMEOUT_SECONDS,
    now: () => new Date().toISOString(),
  };
}

/** The in-guest work: the spec's guest profile rendered, and the files it uploads. */
export function desiredGuest(uc: TripleOUndercloud): { rendered: RenderedProfile; files: GuestFiles } {
  const who = identity(uc);
  const rendered = renderProfile(loadGuestProfile(uc.spec.tripleo.profile), guestVariables(uc.spec, who));
  const conf = renderUndercloudConf({ conf: uc.spec.tripleo.undercloudConf, home: who.home, fqdn: who.fqdn });
  return { rendered, files: { "undercloud.conf": conf } };
}

export function guestLogin(uc: TripleOUndercloud, creds: UndercloudCredentials, address: string): GuestLogin {
  return {
    address,
    user: uc.spec.cloudInit.user,
    privateKey: creds.privateKey,
    hostKeyLine: creds.hostKey.publicKey,
  };
}

export function desiredBmc(uc: TripleOUndercloud, creds: UndercloudCredentials): BmcDesired | undefined {
  const bmc = uc.spec.bmc;
  if (!bmc || creds.bmcPassword === undefined) return undefined;
  return {
    domain: domainName(uc),
    address: bmc.address,
    port: bmc.port,
    username: bmc.username,
    password: creds.bmcPassword,
  };
}
