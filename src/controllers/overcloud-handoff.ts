import {
  sshAliasesOf,
  type LabManager,
  type OvercloudNodeSet,
  type TripleOUndercloud,
} from "../api/index.js";
import type { RemoteHost } from "../remote/types.js";
import {
  handoffPaths,
  observeHandoff,
  planHandoff,
  renderedNodeImport,
  type HandoffFacts,
  type HandoffPaths,
} from "../steps/overcloud/index.js";
import type { Step } from "../steps/types.js";
import type { GuestAction } from "../steps/undercloud/profile.js";
import { guestTarget } from "../steps/undercloud/guest.js";
import { homeOf } from "../steps/undercloud/variables.js";
import type { KindInput, PlannedStep, StepTarget } from "./kind.js";
import { guestLogin } from "./undercloud/desired.js";
import { vmLock } from "./undercloud/kind.js";

/**
 * Handing the nodes to spec.undercloudRef: instackenv.json into the guest user's home (0600)
 * and, with spec.import, the guest profile's node import, once per content. Not a
 * dependency: the nodes converge without the undercloud; the handoff waits until it is Ready
 * and has an address, then runs in the VM (reached through the Manager, its host key
 * pinned) under the VM's own lock.
 */
export interface Handoff {
  paths: HandoffPaths;
  /** What the guest has now. */
  observe(): Promise<HandoffFacts>;
  /** The steps for the content as it is now (the nodes converged). */
  plan(content: string, facts: HandoffFacts): PlannedStep[];
  /** One step, after the node steps, that renders the content then and hands it over. */
  after(render: () => Promise<string>): PlannedStep;
}

/** undefined without spec.undercloudRef; a sentence while the undercloud is not usable yet. */
export async function handoffOf(
  input: KindInput<OvercloudNodeSet>,
  manager: LabManager,
): Promise<Handoff | string | undefined> {
  const set = input.object;
  const ref = set.spec.undercloudRef;
  if (!ref) return undefined;
  const key = { kind: "TripleOUndercloud" as const, namespace: set.metadata.namespace, name: ref.name };
  const found = await input.readyObject(key);
  if (!found) return `waiting for TripleOUndercloud ${ref.name} to be Ready`;
  const uc = found.object as TripleOUndercloud;
  const address = found.status.ipAddress;
  if (typeof address !== "string" || !address) return `TripleOUndercloud ${ref.name} has no address yet`;
  const creds = await input.hosts.undercloud.credentials(uc);
  const login = guestLogin(uc, creds, address);
  let guest: Promise<RemoteHost> | undefined;
  const host = (): Promise<RemoteHost> =>
    (guest ??= input.hosts.undercloud
      .guest(manager, {
        undercloud: uc,
        target: guestTarget(login),
        alias: sshAliasesOf(uc)[0]!.alias,
        hostKeyLine: login.hostKeyLine,
      })
      .catch((err: unknown) => {
        guest = undefined;
        throw err;
      }));
  const who = { user: login.user, home: homeOf(login.user), fqdn: "" };
  const paths = handoffPaths(who.home);
  const importActions: GuestAction[] = set.spec.import
    ? renderedNodeImport(uc.spec.tripleo.profile, who, set.spec.introspect)
    : [];
  const on: StepTarget = { host, lock: vmLock(uc) };
  const steps = (content: string, facts: HandoffFacts): Step[] =>
    planHandoff({ paths, content, importActions }, facts);
  return {
    paths,
    observe: async () => observeHandoff(await host(), paths),
    plan: (content, facts) => steps(content, facts).map((s) => ({ ...s, on })),
    after: (render) => ({
      id: "undercloud/handoff",
      description: `upload instackenv.json to ${paths.instackenv} (mode 0600) once the nodes are converged${importActions.length ? ", then import them" : ""}`,
      on,
      apply: async (ctx) => {
        const content = await render();
        for (const step of steps(content, await observeHandoff(ctx.host, paths))) await step.apply(ctx);
      },
    }),
  };
}
