import { escapeSystemd, fill, loadTemplate, singleLine } from "./template.js";

export interface SushyConfInput {
  /** "OvercloudNodeSet ns/name": whose emulator this is (a comment line). */
  owner: string;
  address: string;
  port: number;
  libvirtUri: string;
  authFile: string;
  /** The domain's UUID: the only system this endpoint serves. */
  uuid: string;
}

/** A Python string literal (the config is Python): JSON's escapes are valid Python ones. */
function pythonString(value: string): string {
  return JSON.stringify(singleLine(value));
}

/** One node's emulator config (configuration/sushy/emulator.conf). */
export function renderSushyConf(input: SushyConfInput): string {
  return fill(
    loadTemplate("sushy/emulator.conf"),
    {
      owner: singleLine(input.owner),
      address: pythonString(input.address),
      port: String(Math.trunc(input.port)),
      libvirtUri: pythonString(input.libvirtUri),
      authFile: pythonString(input.authFile),
      uuid: pythonString(input.uuid),
    },
    (v) => v,
  );
}

/** The templated unit lab-sushy@.service running one emulator per node. */
export function renderSushyUnit(venv: string, confDir: string): string {
  return fill(loadTemplate("sushy/lab-sushy@.service"), { venv, confDir }, escapeSystemd);
}

/** The port a rendered (or observed) config listens on, if it says. */
export function sushyConfPort(conf: string): number | undefined {
  const m = /^SUSHY_EMULATOR_LISTEN_PORT = (\d+)$/m.exec(conf);
  return m ? Number(m[1]) : undefined;
}
