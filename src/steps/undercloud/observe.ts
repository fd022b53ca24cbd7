import type { RemoteHost } from "../../remote/types.js";
import { rawUndercloudFacts, undercloudFacts, type UndercloudFacts } from "./facts.js";
import { OBSERVE_UNDERCLOUD } from "./observe-script.js";
import { LIBVIRT_URI, OWNERSHIP_NS, type UndercloudPaths } from "./paths.js";

/**
 * Everything the plan needs to know about one undercloud VM, in one round trip; `osVariant`
 * (spec.osVariant) is looked up in the Manager's osinfo-db.
 */
export async function observeUndercloud(
  host: RemoteHost,
  domain: string,
  paths: UndercloudPaths,
  osVariant = "",
): Promise<UndercloudFacts> {
  const args = [
    LIBVIRT_URI,
    domain,
    OWNERSHIP_NS,
    paths.disk,
    paths.seed,
    paths.base,
    paths.baseChecksum,
    paths.ownerMarker,
    osVariant,
  ];
  const raw = await host.observe(OBSERVE_UNDERCLOUD, args, {
    purpose: `observe VM ${domain}`,
    sudo: true,
    timeoutMs: 60_000,
  });
  return undercloudFacts(rawUndercloudFacts.parse(raw));
}
