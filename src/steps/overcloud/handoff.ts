import { createHash } from "node:crypto";
import type { RemoteHost } from "../../remote/types.js";
import type { Step } from "../types.js";
import { applyAction } from "../undercloud/guest.js";
import {
  loadGuestProfile,
  renderNodeImport,
  type GuestAction,
  type GuestVariables,
} from "../undercloud/profile.js";
import type { GuestIdentity } from "../undercloud/variables.js";

/**
 * Handing the nodes to the undercloud: instackenv.json in its user's home (0600: it holds
 * the BMC passwords) and, with `import: true`, the guest profile's node import. The import
 * is recorded by the sha256 of the file it imported in a marker next to it, so it runs once
 * per content of instackenv.json (after a scale or a password change), never every resync.
 */
export interface HandoffPaths {
  instackenv: string;
  imported: string;
}

export function handoffPaths(home: string): HandoffPaths {
  return { instackenv: `${home}/instackenv.json`, imported: `${home}/.instackenv.imported` };
}

/** What the guest has: the file's current content and the hash last imported. */
export interface HandoffFacts {
  instackenv?: string;
  imported?: string;
}

export async function observeHandoff(guest: RemoteHost, paths: HandoffPaths): Promise<HandoffFacts> {
  const [file, marker] = await Promise.all([
    guest.readFile(paths.instackenv),
    guest.readFile(paths.imported),
  ]);
  return {
    ...(file ? { instackenv: file.toString("utf8") } : {}),
    ...(marker ? { imported: marker.toString("utf8").trim() } : {}),
  };
}

export function nodeImportVariables(
  who: GuestIdentity,
  paths: HandoffPaths,
  introspect: boolean,
): GuestVariables {
  return {
    scalars: { user: who.user, home: who.home, instackenv: paths.instackenv },
    lists: {},
    conditions: { upgrade: false, install: false, tag: false, cephTag: false, introspect },
  };
}

/** The profile's node import actions for these settings (pure; unit-tested per profile). */
export function renderedNodeImport(profile: string, who: GuestIdentity, introspect: boolean): GuestAction[] {
  const actions = renderNodeImport(
    loadGuestProfile(profile),
    nodeImportVariables(who, handoffPaths(who.home), introspect),
  );
  const other = actions.find((a) => a.kind !== "run");
  if (other) throw new Error(`guest profile ${profile}: nodeImport may only run commands (${other.purpose})`);
  return actions;
}

/** Node import actions only run commands (checked above): they upload none of these. */
const NO_UPLOADS = { "undercloud.conf": "" };

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface HandoffDesired {
  paths: HandoffPaths;
  /** The rendered instackenv.json. */
  content: string;
  /** Empty without `import: true`. */
  importActions: GuestAction[];
}

/** Steps to run in the guest (pure): upload when the file differs, import when not imported yet. */
export function planHandoff(d: HandoffDesired, facts: HandoffFacts): Step[] {
  const steps: Step[] = [];
  if (facts.instackenv !== d.content)
    steps.push({
      id: "undercloud/instackenv",
      description: `upload instackenv.json to ${d.paths.instackenv} (mode 0600)`,
      apply: (ctx) =>
        ctx.host.upload(d.paths.instackenv, d.content, { mode: 0o600, purpose: "upload instackenv.json" }),
    });
  const hash = sha256(d.content);
  if (d.importActions.length === 0 || facts.imported === hash) return steps;
  d.importActions.forEach((action, i) =>
    steps.push({
      id: `undercloud/import/${i}`,
      description: action.purpose,
      apply: (ctx) => applyAction(ctx, action, NO_UPLOADS),
    }),
  );
  steps.push({
    id: "undercloud/imported",
    description: `record that this instackenv.json was imported (${d.paths.imported})`,
    apply: (ctx) =>
      ctx.host.upload(d.paths.imported, `${hash}\n`, { mode: 0o600, purpose: "record the node import" }),
  });
  return steps;
}
