/**
 * A model of the Manager for the OvercloudNodeSet plan (a test double: pure data, no
 * libvirt): domains with their definitions and power state, owner markers, disk files,
 * VirtualBMC entries, sushy emulators and listening ports. `apply` carries out planned
 * steps by their ids, using the definitions the plan computed, as the real scripts would;
 * `facts` reports the model the way the observe script does (domain XML rendered and
 * parsed back, stamps included).
 */
import { renderSushyUnit } from "../../../../src/render/sushy.js";
import { sha256 } from "../../../../src/steps/labmanager/content.js";
import { desiredSushyConf } from "../../../../src/steps/bmc/redfish.js";
import type { DomainInput } from "../../../../src/steps/undercloud/domain-xml.js";
import { renderDomainXml } from "../../../../src/steps/undercloud/domain-xml.js";
import { describeOwner, renderStamp } from "../../../../src/steps/undercloud/stamp.js";
import {
  SUSHY_LAYOUT,
  nodeDefinitions,
  nodePaths,
  nodeSetFacts,
  type NodeSetDesired,
  type NodeSetFacts,
  type RawNodeSetFacts,
} from "../../../../src/steps/overcloud/index.js";
import type { Step } from "../../../../src/steps/types.js";

export interface ModelDomain {
  def?: DomainInput;
  /** A domain that is not ours: its name and MACs only. */
  foreignMacs?: string[];
  state: string;
}

export interface ModelEntry {
  port: number;
  address: string;
  user: string;
  password: string;
  status: string;
}

export class ManagerModel {
  domains = new Map<string, ModelDomain>();
  markers = new Map<string, string>();
  files = new Set<string>();
  vbmc = new Map<string, ModelEntry>();
  sushy = new Map<string, { conf: string; active: string; password: string; port: number }>();
  sushyVersion = "";
  templateSha = "";
  udp = new Set<number>();
  tcp = new Set<number>();
  /** Every step id applied, in order. */
  applied: string[] = [];

  facts(d: NodeSetDesired): NodeSetFacts {
    return nodeSetFacts(this.raw(d));
  }

  /** The model as the observe script prints it (its JSON, before nodeSetFacts parses it). */
  raw(d: NodeSetDesired): RawNodeSetFacts {
    return {
      kvm: false,
      kvmDetail: "no /dev/kvm on the Manager",
      domains: [...this.domains].map(([name, dom]) => ({
        name,
        metadata: dom.def ? renderStamp(dom.def.stamp, {}, "domain") : "",
        state: dom.def ? dom.state : "",
        xml: dom.def ? renderDomainXml(dom.def) : "",
        macs: dom.foreignMacs ?? [],
      })),
      markers: [...this.markers].map(([path, content]) => ({ path, content })),
      existing: d.nodes.flatMap((n) => n.paths.disks).filter((p) => this.files.has(p)),
      vbmc: {
        installed: true,
        entries: [...this.vbmc].map(([name, e]) => ({
          "Domain name": name,
          Status: e.status,
          Address: e.address,
          Port: e.port,
        })),
        users: Object.fromEntries(
          [...this.vbmc].filter(([n]) => n in d.bmc.passwords).map(([n, e]) => [n, e.user]),
        ),
        credentials: Object.fromEntries(
          [...this.vbmc]
            .filter(([n]) => n in d.bmc.passwords)
            .map(([n, e]) => [n, e.password === d.bmc.passwords[n]]),
        ),
      },
      sushy: {
        version: this.sushyVersion,
        templateSha: this.templateSha,
        instances: [...this.sushy].map(([domain, s]) => ({
          domain,
          conf: s.conf,
          active: s.active,
          credentials: s.password === d.bmc.passwords[domain],
        })),
      },
      udpPorts: [...this.udp].sort((a, b) => a - b),
      tcpPorts: [...this.tcp].sort((a, b) => a - b),
    };
  }

  /** Carry out `steps` (planned against this.facts(d)) by their ids. */
  apply(d: NodeSetDesired, steps: Step[]): void {
    const facts = this.facts(d);
    const defs = nodeDefinitions(d, facts);
    for (const step of steps) {
      this.applied.push(step.id);
      this.applyOne(d, defs, step.id);
    }
  }

  private applyOne(d: NodeSetDesired, defs: Map<string, DomainInput>, id: string): void {
    if (id === "redfish/install") this.sushyVersion = d.sushyVersion;
    if (id === "redfish/unit")
      this.templateSha = sha256(renderSushyUnit(SUSHY_LAYOUT.venv, SUSHY_LAYOUT.confDir));
    const m = /^node\/([^/]+)\/(.+)$/.exec(id);
    if (!m) return;
    const [, name = "", what = ""] = m;
    const def = defs.get(name);
    const paths = d.nodes.find((n) => n.name === name)?.paths ?? nodePaths(d.imagesDir, name, 8);
    if (what === "marker") this.markers.set(paths.marker, `${describeOwner(d.owner)}\n`);
    else if (what.startsWith("disk/")) this.files.add(paths.disks[Number(what.slice(5))] as string);
    else if (what === "define" && !this.domains.has(name)) this.domains.set(name, { def, state: "shut off" });
    else if (what === "redefine" || what === "stamp") this.domains.get(name)!.def = def;
    else if (what === "remove") this.remove(d, name);
    else this.applyBmc(d, name, what, def);
  }

  private remove(d: NodeSetDesired, name: string): void {
    if (this.domains.get(name)?.def) this.domains.delete(name);
    const paths = nodePaths(d.imagesDir, name, 8);
    if (this.markers.has(paths.marker)) {
      paths.disks.forEach((p) => this.files.delete(p));
      this.markers.delete(paths.marker);
    }
  }

  private applyBmc(d: NodeSetDesired, name: string, what: string, def: DomainInput | undefined): void {
    const port = def?.stamp.node?.bmcPort ?? 0;
    const password = d.bmc.passwords[name] ?? "";
    if (what === "bmc/add")
      this.vbmc.set(name, { port, address: d.bmc.address, user: d.bmc.username, password, status: "down" });
    else if (what === "bmc/start") {
      this.vbmc.get(name)!.status = "running";
      this.udp.add(this.vbmc.get(name)!.port);
    } else if (what === "bmc/delete") {
      this.udp.delete(this.vbmc.get(name)?.port ?? -1);
      this.vbmc.delete(name);
    } else if (what === "redfish/configure") {
      const conf = desiredSushyConf(
        {
          domain: name,
          uuid: def?.uuid ?? "",
          owner: describeOwner(d.owner),
          address: d.bmc.address,
          port,
          username: d.bmc.username,
          password,
        },
        SUSHY_LAYOUT,
      );
      this.sushy.set(name, { conf, active: "active", password, port });
      this.tcp.add(port);
    } else if (what === "redfish/remove") {
      this.tcp.delete(this.sushy.get(name)?.port ?? -1);
      this.sushy.delete(name);
    } else throw new Error(`the model does not know step ${what} of ${name}`);
  }
}
