import { parse } from "yaml";
import { z } from "zod";
import { postInstallStep } from "../../api/tripleoundercloud.js";
import { loadTemplate } from "../../render/template.js";
import { containerFileAction } from "./postinstall.js";

/** Conditions a profile step may depend on (`when:`); introspect is the node import's. */
export const CONDITIONS = ["upgrade", "install", "tag", "cephTag", "introspect"] as const;
export type Condition = (typeof CONDITIONS)[number];

/**
 * The journal phases a profile fills, in order (created/booted/keyed are the VM's);
 * postInstalled also gets spec.tripleo.postInstall, after the profile's own steps.
 */
export const GUEST_PHASES = ["packages", "configured", "installed", "postInstalled"] as const;
export type GuestPhase = (typeof GUEST_PHASES)[number];

/** Files the operator renders for the guest (src/render), named in `upload:`. */
export const UPLOADS = ["undercloud.conf"] as const;
export type UploadName = (typeof UPLOADS)[number];

const common = { purpose: z.string().min(1), when: z.enum(CONDITIONS).optional() };
const minutes = z.number().positive().max(600);
const profileStep = z.union([
  z
    .object({
      ...common,
      run: z.array(z.string()).min(1),
      sudo: z.boolean().default(false),
      timeoutMinutes: minutes.default(10),
    })
    .strict(),
  z
    .object({
      ...common,
      upload: z.enum(UPLOADS),
      path: z.string().min(1),
      mode: z
        .string()
        .regex(/^0[0-7]{3}$/)
        .default("0600"),
    })
    .strict(),
  z.object({ ...common, shellRc: z.string().min(1) }).strict(),
  z.object({ ...common, reboot: z.literal(true), timeoutMinutes: minutes.default(15) }).strict(),
  // The same change as a spec.tripleo.postInstall step, declared by the profile.
  z.object({ ...common, containerFile: postInstallStep }).strict(),
]);

export const guestProfile = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string(),
    phases: z.array(z.object({ phase: z.enum(GUEST_PHASES), steps: z.array(profileStep) }).strict()).min(1),
    fetch: z.array(z.string()).default([]),
    /** Run on the finished undercloud for an OvercloudNodeSet with import: true. */
    nodeImport: z.array(profileStep).default([]),
  })
  .strict();
export type GuestProfile = z.infer<typeof guestProfile>;

/** One rendered in-guest action: argv already expanded, conditions already decided. */
export type GuestAction =
  | { kind: "run"; purpose: string; argv: string[]; sudo: boolean; timeoutMs: number }
  | { kind: "upload"; purpose: string; file: UploadName; path: string; mode: number }
  | { kind: "shell-rc"; purpose: string; path: string }
  | { kind: "reboot"; purpose: string; timeoutMs: number }
  | ContainerFileAction;

/** A spec.tripleo.postInstall step: one file in a container made as wanted, its service restarted. */
export interface ContainerFileAction {
  kind: "container-file";
  purpose: string;
  container: string;
  path: string;
  /** How the file is changed: a unified diff applied, or its whole content written. */
  change: { patch: string } | { content: string };
  /** Restart after a change: this systemd unit, else tripleo_<container>.service or podman restart. */
  restart: boolean;
  service?: string;
}

export interface GuestPhasePlan {
  phase: GuestPhase;
  actions: GuestAction[];
}

export interface RenderedProfile {
  name: string;
  phases: GuestPhasePlan[];
  /** Paths to fetch into results/ (a trailing / is a directory). */
  fetch: string[];
}

export interface GuestVariables {
  scalars: Record<string, string>;
  lists: Record<string, string[]>;
  conditions: Record<Condition, boolean>;
}

/** A profile from configuration/guest-profiles/<name>.yaml, validated. */
export function loadGuestProfile(name: string): GuestProfile {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`invalid guest profile name: ${name}`);
  return guestProfile.parse(parse(loadTemplate(`guest-profiles/${name}.yaml`)));
}

const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;
const LIST = /^\{\{([A-Za-z][A-Za-z0-9]*)\.\.\.\}\}$/;

/** One argument → its expansion: a list placeholder gives many, others give exactly one. */
export function expandArg(arg: string, vars: GuestVariables): string[] {
  const list = LIST.exec(arg);
  if (list) {
    const values = vars.lists[list[1] ?? ""];
    if (!values) throw new Error(`guest profile: unknown list {{${list[1]}...}}`);
    return values;
  }
  return [
    arg.replace(PLACEHOLDER, (_m, name: string) => {
      const value = vars.scalars[name];
      if (value === undefined) throw new Error(`guest profile: unknown variable {{${name}}}`);
      return value;
    }),
  ];
}

function scalar(arg: string, vars: GuestVariables): string {
  const out = expandArg(arg, vars);
  if (out.length !== 1 || out[0] === undefined)
    throw new Error(`guest profile: ${arg} must be a single value`);
  return out[0];
}

function renderStep(
  step: GuestProfile["phases"][number]["steps"][number],
  vars: GuestVariables,
): GuestAction {
  if ("run" in step) {
    const argv = step.run.flatMap((a) => expandArg(a, vars));
    return {
      kind: "run",
      purpose: step.purpose,
      argv,
      sudo: step.sudo,
      timeoutMs: step.timeoutMinutes * 60_000,
    };
  }
  if ("upload" in step) {
    return {
      kind: "upload",
      purpose: step.purpose,
      file: step.upload,
      path: scalar(step.path, vars),
      mode: parseInt(step.mode, 8),
    };
  }
  if ("shellRc" in step) return { kind: "shell-rc", purpose: step.purpose, path: scalar(step.shellRc, vars) };
  if ("containerFile" in step) return containerFileAction(step.purpose, step.containerFile);
  return { kind: "reboot", purpose: step.purpose, timeoutMs: step.timeoutMinutes * 60_000 };
}

/**
 * The profile's node import (an OvercloudNodeSet's `import: true`) as concrete actions:
 * variables home, user and instackenv (the uploaded file's path); condition introspect.
 */
export function renderNodeImport(profile: GuestProfile, vars: GuestVariables): GuestAction[] {
  return profile.nodeImport.filter((s) => !s.when || vars.conditions[s.when]).map((s) => renderStep(s, vars));
}

/** The profile as concrete actions for these variables (pure: what the plan will run). */
export function renderProfile(profile: GuestProfile, vars: GuestVariables): RenderedProfile {
  return {
    name: profile.name,
    phases: profile.phases.map((p) => ({
      phase: p.phase,
      actions: p.steps.filter((s) => !s.when || vars.conditions[s.when]).map((s) => renderStep(s, vars)),
    })),
    fetch: profile.fetch.map((f) => scalar(f, vars)),
  };
}
