import { domainNameOf as domainName, type TripleOUndercloud } from "../../api/index.js";
import {
  renderMetaData,
  renderNetworkConfig,
  renderUndercloudConf,
  renderUserData,
} from "../../render/index.js";
import type { BmcDesired } from "../../steps/bmc/plan.js";
import type { DomainNic } from "../../steps/undercloud/domain-xml.js";
import type { GuestFiles, GuestLogin } from "../../steps/undercloud/guest.js";
import { inputHash, secretDigest } from "../../steps/undercloud/inputs.js";
import { sha512Crypt } from "../../steps/undercloud/password-hash.js";
import { undercloudPaths } from "../../steps/undercloud/paths.js";
import type { SeedFiles } from "../../steps/undercloud/steps.js";
import type { UndercloudDesired } from "../../steps/undercloud/plan.js";
import { postInstallActions } from "../../steps/undercloud/postinstall.js";
import { loadGuestProfile, renderProfile, type RenderedProfile } from "../../steps/undercloud/profile.js";
import { undercloudOwner } from "../../steps/undercloud/stamp.js";
import { guestVariables, homeOf } from "../../steps/undercloud/variables.js";
import type { UndercloudCredentials } from "../hostaccess.js";

/** First boot under QEMU's software emulation takes minutes; KVM would need far less. */
const BOOT_TIMEOUT_SECONDS = 900;

export { domainNameOf as domainName } from "../../api/index.js";

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
  return {
    domain,
    owner: undercloudOwner(uc.metadata.namespace, uc.metadata.name),
    paths: undercloudPaths(spec.imagesDir, domain, spec.baseImage.url),
    baseImage: spec.baseImage,
    diskSize: spec.diskSize,
    virtType: spec.virtType,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    osVariant: spec.osVariant,
    updatePolicy: spec.updatePolicy,
    nics,
    seed: renderSeed(uc, creds, sha512Crypt(creds.password)),
    seedInput: seedInput(uc, creds),
    serialLog: `/var/log/libvirt/qemu/${domain}-serial.log`,
    bootTimeoutSeconds: BOOT_TIMEOUT_SECONDS,
    adopt: spec.adopt,
    now: () => new Date().toISOString(),
  };
}

/** The NoCloud seed's files for this password hash ("$6$..." for the real seed). */
function renderSeed(uc: TripleOUndercloud, creds: UndercloudCredentials, passwordHash: string): SeedFiles {
  const spec = uc.spec;
  const who = identity(uc);
  const domain = domainName(uc);
  return {
    userData: renderUserData({
      hostname: who.hostname,
      fqdn: who.fqdn,
      user: who.user,
      groups: spec.cloudInit.groups,
      password: { hash: passwordHash },
      authorizedKey: creds.publicKey,
      timezone: spec.cloudInit.timezone,
      hostKey: creds.hostKey,
      disableAfterFirstBoot: spec.cloudInit.disableAfterFirstBoot,
    }),
    metaData: renderMetaData({ instanceId: `${domain}-${uc.metadata.uid ?? "1"}`, hostname: who.hostname }),
    networkConfig: renderNetworkConfig({ nameservers: [spec.cloudInit.nameserver] }),
  };
}

/**
 * The seed's input hash: its files as rendered from spec.cloudInit and the credentials, with
 * the password's sha256 in place of its crypt hash (whose salt is random on every render).
 * Only the hash is journaled; the user-data (host key, password) never leaves the seed.
 */
export function seedInput(uc: TripleOUndercloud, creds: UndercloudCredentials): string {
  const seed = renderSeed(uc, creds, `sha256:${secretDigest(creds.password)}`);
  return inputHash([seed.userData, seed.metaData, seed.networkConfig ?? ""]);
}

/** The in-guest work: the spec's guest profile rendered, and the files it uploads. */
export function desiredGuest(uc: TripleOUndercloud): { rendered: RenderedProfile; files: GuestFiles } {
  const who = identity(uc);
  const profile = renderProfile(loadGuestProfile(uc.spec.tripleo.profile), guestVariables(uc.spec, who));
  const conf = renderUndercloudConf({ conf: uc.spec.tripleo.undercloudConf, home: who.home, fqdn: who.fqdn });
  return { rendered: withPostInstall(profile, uc), files: { "undercloud.conf": conf } };
}

/** spec.tripleo.postInstall after the profile's own postInstalled steps. */
function withPostInstall(rendered: RenderedProfile, uc: TripleOUndercloud): RenderedProfile {
  const spec = postInstallActions(uc.spec.tripleo.postInstall, uc.spec.tripleo.install);
  if (spec.length === 0) return rendered;
  const has = rendered.phases.some((p) => p.phase === "postInstalled");
  const phases = has
    ? rendered.phases.map((p) =>
        p.phase === "postInstalled" ? { ...p, actions: [...p.actions, ...spec] } : p,
      )
    : [...rendered.phases, { phase: "postInstalled" as const, actions: spec }];
  return { ...rendered, phases };
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
