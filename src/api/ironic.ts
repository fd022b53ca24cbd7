import { z } from "zod";

const driverName = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be an Ironic driver or interface name");

/**
 * The seed's enabled Ironic hardware types and interfaces (undercloud.conf, stable/train
 * setup.cfg minus ibmc/fake-hardware hardware types, which kept Ironic from starting).
 * The seed misspelled "ipmitool" as "impitool" in three lists; corrected here.
 */
const SEED = {
  hardwareTypes:
    "cisco-ucs-managed,cisco-ucs-standalone,idrac,ilo,ilo5,ipmi,irmc,manual-management,redfish,snmp,xclarity",
  boot: "fake,ilo-pxe,ilo-virtual-media,ipxe,irmc-pxe,irmc-virtual-media,pxe",
  console: "fake,ilo,ipmitool-shellinabox,ipmitool-socat,no-console",
  deploy: "ansible,direct,fake,iscsi,ramdisk",
  inspect: "fake,idrac,ilo,inspector,irmc,no-inspect,redfish",
  management: "cimc,fake,ibmc,idrac,ilo,ipmitool,irmc,noop,redfish,ucsm,xclarity",
  network: "flat,neutron,noop",
  power: "cimc,fake,ibmc,idrac,ilo,ipmitool,irmc,redfish,snmp,ucsm,xclarity",
  raid: "agent,fake,idrac,ilo5,irmc,no-raid",
  storage: "fake,noop,cinder,external",
  vendor: "fake,ibmc,idrac,ilo,ipmitool,no-vendor",
} as const;

const list = (option: string, csv: string) =>
  z
    .array(driverName)
    .default(csv.split(","))
    .describe(`undercloud.conf ${option}; default the seed's ${csv.split(",").join(", ")}.`);

/** enabled_*_interfaces and enabled_hardware_types of undercloud.conf. */
export const ironicInterfaces = z
  .object({
    hardwareTypes: list("enabled_hardware_types", SEED.hardwareTypes),
    boot: list("enabled_boot_interfaces", SEED.boot),
    console: list("enabled_console_interfaces", SEED.console),
    deploy: list("enabled_deploy_interfaces", SEED.deploy),
    inspect: list("enabled_inspect_interfaces", SEED.inspect),
    management: list("enabled_management_interfaces", SEED.management),
    network: list("enabled_network_interfaces", SEED.network),
    power: list("enabled_power_interfaces", SEED.power),
    raid: list("enabled_raid_interfaces", SEED.raid),
    storage: list("enabled_storage_interfaces", SEED.storage),
    vendor: list("enabled_vendor_interfaces", SEED.vendor),
  })
  .describe(
    "Ironic hardware types and interfaces the undercloud enables (the seed's lists, ipmitool spelled right).",
  );
export type IronicInterfaces = z.infer<typeof ironicInterfaces>;
