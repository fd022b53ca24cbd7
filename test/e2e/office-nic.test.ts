// The seed Manager's two NICs on a prebaked Debian sandbox Manager (support/office-nic.ts).
import { DEBIAN_OFFICE_NIC, officeNicSuite } from "./support/office-nic.js";

officeNicSuite(DEBIAN_OFFICE_NIC);
