// The seed Manager's two NICs on the EL sandbox Manager: NetworkManager keyfiles, firewalld,
// dnf from the local RPM repository double (support/office-nic.ts).
import { EL_OFFICE_NIC, officeNicSuite } from "./support/office-nic.js";

officeNicSuite(EL_OFFICE_NIC);
