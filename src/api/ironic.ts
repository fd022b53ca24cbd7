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

const list = (csv: string) => z.array(driverName).default(csv.split(","));

/** enabled_*_interfaces and enabled_hardware_types of undercloud.conf. */
export const ironicInterfaces = z.object({
  hardwareTypes: list(SEED.hardwareTypes),
  boot: list(SEED.boot),
  console: list(SEED.console),
  deploy: list(SEED.deploy),
  inspect: list(SEED.inspect),
  management: list(SEED.management),
  network: list(SEED.network),
  power: list(SEED.power),
  raid: list(SEED.raid),
  storage: list(SEED.storage),
  vendor: list(SEED.vendor),
});
export type IronicInterfaces = z.infer<typeof ironicInterfaces>;
