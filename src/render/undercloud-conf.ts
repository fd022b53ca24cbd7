import type { TripleOUndercloudSpec } from "../api/index.js";
import { fill, loadTemplate, singleLine } from "./template.js";

type UndercloudConf = TripleOUndercloudSpec["tripleo"]["undercloudConf"];

/** Relative paths in the spec live under the guest user's home, as $HOME/... did in the seed. */
function underHome(path: string, home: string): string {
  return path.startsWith("/") ? path : `${home.replace(/\/$/, "")}/${path}`;
}

export interface UndercloudConfInput {
  conf: UndercloudConf;
  /** The guest user's home, e.g. /home/tripleo. */
  home: string;
  /** Used when conf.undercloudHostname is unset: the VM's fqdn. */
  fqdn: string;
}

/** undercloud.conf ([DEFAULT] section) for `openstack undercloud install`. */
export function renderUndercloudConf({ conf, home, fqdn }: UndercloudConfInput): string {
  const ironic = conf.ironic;
  const extra = Object.entries(conf.extra)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${singleLine(key)} = ${singleLine(value)}`);
  return fill(
    loadTemplate("tripleo/undercloud.conf"),
    {
      outputDir: underHome(conf.outputDir, home),
      containerImagesFile: underHome(conf.containerImagesFile, home),
      localInterface: conf.localInterface,
      localIp: conf.localIp,
      undercloudHostname: conf.undercloudHostname ?? fqdn,
      undercloudNameservers: conf.undercloudNameservers.join(","),
      debug: String(conf.debug),
      updatePackages: String(conf.updatePackages),
      hardwareTypes: ironic.hardwareTypes.join(","),
      boot: ironic.boot.join(","),
      console: ironic.console.join(","),
      deploy: ironic.deploy.join(","),
      inspect: ironic.inspect.join(","),
      management: ironic.management.join(","),
      network: ironic.network.join(","),
      power: ironic.power.join(","),
      raid: ironic.raid.join(","),
      storage: ironic.storage.join(","),
      vendor: ironic.vendor.join(","),
      extra: extra.length > 0 ? `\n# Further settings (spec extra)\n${extra.join("\n")}` : "",
    },
    singleLine,
  );
}
