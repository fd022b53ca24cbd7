import assert from "node:assert/strict";
import { WAIT_FOR_FIRST_BOOT } from "../../../../src/steps/undercloud/first-boot.js";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ExecOptions, ExecResult } from "../../../../src/remote/types.js";
import { planGuest } from "../../../../src/steps/undercloud/guest.js";
import { applyGuestPlan } from "../../../../src/steps/undercloud/journal.js";
import {
  GUEST_PHASES,
  type GuestPhase,
  type RenderedProfile,
} from "../../../../src/steps/undercloud/profile.js";
import { parseStamp, renderStamp, type Stamp } from "../../../../src/steps/undercloud/stamp.js";
import { OWNER, RecordingHost, silent } from "./support.js";

type Versions = Record<GuestPhase, number>;

/** Each phase runs one command naming its version; configured's conf file has a version too. */
function render(
  v: Versions,
  conf: number,
): { rendered: RenderedProfile; files: { "undercloud.conf": string } } {
  return {
    rendered: {
      name: "model",
      fetch: [],
      phases: GUEST_PHASES.map((phase) => ({
        phase,
        actions: [
          {
            kind: "run",
            purpose: `${phase} v${v[phase]}`,
            argv: ["step", phase, String(v[phase])],
            sudo: false,
            timeoutMs: 1,
          },
          ...(phase === "configured"
            ? [
                {
                  kind: "upload" as const,
                  purpose: "conf",
                  file: "undercloud.conf" as const,
                  path: "/u.conf",
                  mode: 0o600,
                },
              ]
            : []),
        ],
      })),
    },
    files: { "undercloud.conf": `conf ${conf}\n` },
  };
}

/** A guest that dies (connection lost) after `budget` commands: the operator's crash. */
class CrashingGuest extends RecordingHost {
  constructor(private budget: number) {
    super("tripleo@vm:22");
  }
  override async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    if (this.budget-- <= 0) throw new Error("crash");
    return super.exec(argv, opts);
  }
  override async upload(path: string, content: string | Buffer, opts?: { mode?: number }): Promise<void> {
    if (this.budget-- <= 0) throw new Error("crash");
    return super.upload(path, content, opts);
  }
}

/** The Manager keeps the domain's metadata: the last stamp journaled there. */
class MetadataManager extends RecordingHost {
  constructor(public xml: string) {
    super();
  }
  override async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    const args = argv.slice(4);
    if (args[1] === "journal") this.xml = args[3] ?? "";
    return super.exec(argv, opts);
  }
}

const ORDER: readonly ("keyed" | GuestPhase)[] = ["keyed", ...GUEST_PHASES];

/**
 * The model: for each phase, the versions of it and of every earlier phase it last completed
 * with (undefined: never, or dropped for a re-run). A phase must run when that differs from
 * today's; a crash keeps what completed. Nothing about hashes or journals is in the model.
 */
type Model = Partial<Record<"keyed" | GuestPhase, string>>;
function prefix(v: Versions, conf: number, phase: "keyed" | GuestPhase): string {
  const upTo = ORDER.slice(1, ORDER.indexOf(phase) + 1) as GuestPhase[];
  return JSON.stringify([...upTo.map((p) => v[p]), upTo.includes("configured") ? conf : null]);
}

const edit = fc.oneof(
  fc.record({ kind: fc.constant("edit" as const), phase: fc.constantFrom(...GUEST_PHASES) }),
  fc.record({ kind: fc.constant("conf" as const) }),
  fc.record({ kind: fc.constant("run" as const), budget: fc.integer({ min: 0, max: 8 }) }),
);

describe("guest phase re-runs (model)", () => {
  it("runs exactly the phases whose input, or an earlier phase's, changed since they completed, across crashes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { maxLength: 12 }), async (events) => {
        const v: Versions = { packages: 0, configured: 0, installed: 0, postInstalled: 0 };
        let conf = 0;
        const model: Model = {};
        const manager = new MetadataManager(renderStamp({ owner: OWNER, journal: ["created", "booted"] }));
        const run = async (budget: number): Promise<void> => {
          const { rendered, files } = render(v, conf);
          const stamp = parseStamp(manager.xml) as Stamp;
          const due = ORDER.filter((p) => model[p] !== prefix(v, conf, p));
          const planned = planGuest(rendered, stamp, files).phases.map((p) => p.phase);
          assert.deepEqual(planned, due, "the plan runs what the model says, in order");
          for (const p of due) delete model[p];
          const guest = new CrashingGuest(budget);
          try {
            await applyGuestPlan({
              guest: { host: guest, log: silent },
              manager: { host: manager, log: silent },
              domain: "tripleo",
              stamp,
              times: {},
              rendered,
              files,
              now: () => "t",
            });
          } catch (err) {
            assert.equal((err as Error).message, "crash");
          }
          const journal = parseStamp(manager.xml)?.journal ?? [];
          for (const p of due) if (journal.includes(p)) model[p] = prefix(v, conf, p);
          const ran = guest.execs.map((a) => (a[2] === WAIT_FOR_FIRST_BOOT ? "keyed" : a[1]));
          assert.deepEqual(ran, due.slice(0, ran.length), "phases ran in order, only the due ones");
        };
        for (const e of events) {
          if (e.kind === "edit") v[e.phase]++;
          else if (e.kind === "conf") conf++;
          else await run(e.budget);
        }
        await run(100);
        assert.deepEqual(parseStamp(manager.xml)?.journal, ["created", "booted", ...ORDER]);
        const again = planGuest(
          render(v, conf).rendered,
          parseStamp(manager.xml) as Stamp,
          render(v, conf).files,
        );
        assert.deepEqual(again.phases, [], "a converged VM has nothing to run");
      }),
      { numRuns: 200 },
    );
  });
});
