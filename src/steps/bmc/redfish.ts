import { renderSushyConf, renderSushyUnit, sushyConfPort } from "../../render/sushy.js";
import { sha256 } from "../labmanager/content.js";
import { runScript, writeRemoteFile } from "../run.js";
import { PlanBlocked, type Step } from "../types.js";
import { LIBVIRT_URI } from "../undercloud/paths.js";
import { CONFIGURE_SUSHY, INSTALL_SUSHY, REMOVE_SUSHY } from "./redfish-scripts.js";

const MINUTE = 60_000;

/** Where the emulator lives on the Manager (the overcloud steps own these paths). */
export interface SushyLayout {
  venv: string;
  unitTemplate: string;
  confDir: string;
  unit: (domain: string) => string;
  conf: (domain: string) => string;
  auth: (domain: string) => string;
}

/** One node's Redfish endpoint as the spec wants it. */
export interface RedfishDesired {
  domain: string;
  /** The domain's UUID: its System id. */
  uuid: string;
  owner: string;
  address: string;
  port: number;
  username: string;
  password: string;
}

/** What observe saw of the emulator on the Manager. */
export interface RedfishFacts {
  version: string;
  templateSha: string;
  /** This node's instance, when its config exists. */
  instance?: { conf: string; active: string; credentials: boolean };
  tcpPorts: number[];
}

export function desiredSushyConf(d: RedfishDesired, layout: SushyLayout): string {
  return renderSushyConf({
    owner: d.owner,
    address: d.address,
    port: d.port,
    libvirtUri: LIBVIRT_URI,
    authFile: layout.auth(d.domain),
    uuid: d.uuid,
  });
}

/** The shared software: the venv at the wanted version, the unit template. */
export function planSushySoftware(version: string, facts: RedfishFacts, layout: SushyLayout): Step[] {
  const steps: Step[] = [];
  if (facts.version !== version)
    steps.push({
      id: "redfish/install",
      description: facts.version
        ? `upgrade sushy-tools ${facts.version} to ${version} in ${layout.venv}`
        : `install sushy-tools ${version} in ${layout.venv}`,
      apply: async (ctx) => {
        await runScript(ctx, INSTALL_SUSHY, [layout.venv, version], {
          purpose: "install sushy-tools",
          timeoutMs: 20 * MINUTE,
          progress: true,
        });
      },
    });
  const unit = renderSushyUnit(layout.venv, layout.confDir);
  if (facts.templateSha !== sha256(unit))
    steps.push({
      id: "redfish/unit",
      description: `write the emulator unit template ${layout.unitTemplate}`,
      ...(facts.templateSha ? { drift: `${layout.unitTemplate} changed` } : {}),
      apply: (ctx) =>
        writeRemoteFile(ctx, layout.unitTemplate, unit, { mode: "0644", purpose: "write the sushy unit" }),
    });
  return steps;
}

/**
 * One node's emulator: (re)configured when its config differs, its credentials do not
 * match or it is not running. A port another listener holds blocks with PortConflict.
 */
export function planRedfish(d: RedfishDesired, facts: RedfishFacts, layout: SushyLayout): Step[] {
  const conf = desiredSushyConf(d, layout);
  const inst = facts.instance;
  const samePort = inst !== undefined && sushyConfPort(inst.conf) === d.port && inst.active === "active";
  if (!samePort && facts.tcpPorts.includes(d.port))
    throw new PlanBlocked(
      "PortConflict",
      `TCP port ${d.port} is already in use on the Manager: widen or move spec.bmc.portRange.`,
    );
  const why = !inst
    ? undefined
    : inst.conf.trimEnd() !== conf.trimEnd() // observe reads it through $(...), which drops the last newline
      ? `the Redfish emulator config of ${d.domain} differs`
      : !inst.credentials
        ? `the Redfish emulator of ${d.domain} refuses the expected credentials`
        : inst.active !== "active"
          ? `the Redfish emulator of ${d.domain} was ${inst.active || "stopped"}`
          : "";
  if (why === "") return [];
  return [configureStep(d, conf, layout, why)];
}

function configureStep(d: RedfishDesired, conf: string, layout: SushyLayout, drift?: string): Step {
  const url = `http://${d.address}:${d.port}/redfish/v1/Systems/${d.uuid}`;
  return {
    id: "redfish/configure",
    description: `run the Redfish emulator of ${d.domain} on ${d.address}:${d.port} (user ${d.username}) and check ${url} answers`,
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await writeRemoteFile(ctx, layout.conf(d.domain), conf, {
        mode: "0600",
        purpose: "write the sushy config",
      });
      await runScript(
        ctx,
        CONFIGURE_SUSHY,
        [layout.venv, layout.auth(d.domain), d.username, layout.unit(d.domain), url],
        {
          purpose: `start the Redfish emulator of ${d.domain}`,
          stdin: `${d.password}\n`,
          timeoutMs: 2 * MINUTE,
        },
      );
    },
  };
}

export function removeRedfishStep(domain: string, layout: SushyLayout): Step {
  return {
    id: "redfish/remove",
    description: `stop the Redfish emulator of ${domain} and remove its config and auth file`,
    apply: async (ctx) => {
      await runScript(ctx, REMOVE_SUSHY, [layout.unit(domain), layout.conf(domain), layout.auth(domain)], {
        purpose: `remove the Redfish emulator of ${domain}`,
      });
    },
  };
}
