import { z } from "zod";
import type { RemoteHost } from "../../remote/types.js";
import { VENV } from "../labmanager/paths.js";
import { OBSERVE_BMC, VERIFY_BMC } from "./scripts.js";

export const VBMC = `${VENV}/bin/vbmc`;
export const VBMC_PYTHON = `${VENV}/bin/python3`;

/** One row of `vbmc list -f json`. */
export const vbmcListEntry = z.object({
  "Domain name": z.string(),
  Status: z.string(),
  Address: z.string(),
  Port: z.coerce.number(),
});

export function bmcEntry(e: z.infer<typeof vbmcListEntry>): BmcEntry {
  return { domain: e["Domain name"], status: e.Status, address: e.Address, port: e.Port };
}

const rawBmcFacts = z.object({
  entries: z.array(vbmcListEntry),
  username: z.string(),
  udpPorts: z.array(z.number()),
});

export interface BmcEntry {
  domain: string;
  status: string;
  address: string;
  port: number;
}

export interface BmcFacts {
  entries: BmcEntry[];
  /** The user name of our domain's entry, when it exists. */
  username: string;
  /** UDP ports something listens on, entries' own included. */
  udpPorts: number[];
  /** Whether our entry answered `power status` with our credentials (when probed). */
  answers?: boolean;
}

/**
 * The Manager's VirtualBMC entries and UDP ports in use, in one round trip; with `probe`,
 * a second one asks the entry for its power status with our credentials (the password on
 * stdin), because "running" in vbmc's list does not prove that IPMI answers.
 */
export async function observeBmc(host: RemoteHost, domain: string, probe?: BmcProbe): Promise<BmcFacts> {
  const raw = rawBmcFacts.parse(
    await host.observe(OBSERVE_BMC, [VBMC, domain], {
      purpose: "observe VirtualBMC entries",
      sudo: true,
      timeoutMs: 60_000,
    }),
  );
  return {
    entries: raw.entries.map(bmcEntry),
    username: raw.username,
    udpPorts: raw.udpPorts,
    ...(probe ? { answers: await answers(host, probe) } : {}),
  };
}

export interface BmcProbe {
  address: string;
  port: number;
  username: string;
  password: string;
}

async function answers(host: RemoteHost, p: BmcProbe): Promise<boolean> {
  const r = await host.exec(
    ["bash", "-c", VERIFY_BMC, "lab-operator", p.address, String(p.port), p.username, "0"],
    {
      purpose: "ipmitool power status",
      sudo: true,
      stdin: `${p.password}\n`,
      allowFailure: true,
      timeoutMs: 30_000,
    },
  );
  return r.exitCode === 0;
}
