import type { RemoteHost } from "../../remote/types.js";
import { networkFacts, rawNetworkFacts, type NetworkFacts } from "./facts.js";
import { OBSERVE_NETWORK } from "./observe-script.js";
import { DEFAULT_HOOK_CONFIG, LIBVIRT_URI, NETWORK_HOOK } from "./paths.js";

/**
 * Everything the plan needs to know about one libvirt network, in one round trip.
 * hookConfigFile is the LabManager's spec.networkHook.configFile.
 */
export async function observeNetwork(
  host: RemoteHost,
  libvirtName: string,
  hookConfigFile: string = DEFAULT_HOOK_CONFIG,
): Promise<NetworkFacts> {
  const raw = await host.observe(OBSERVE_NETWORK, [LIBVIRT_URI, libvirtName, NETWORK_HOOK, hookConfigFile], {
    purpose: `observe libvirt network ${libvirtName}`,
    sudo: true,
    timeoutMs: 60_000,
  });
  return networkFacts(libvirtName, rawNetworkFacts.parse(raw));
}
