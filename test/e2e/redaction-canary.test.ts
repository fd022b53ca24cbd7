/**
 * Canary: secrets a host prints, in every usual shape, driven as real remote output through
 * the real remote layer (a loopback sshd, the pooled connection, exec and stream), then
 * through a guest phase that fails as the controllers run it. No canary value may reach any
 * sink we can read in-process: trace-level logs, ExecResult, streamed lines, CommandFailed,
 * the GuestStepFailed condition, step records and events, the state file (what Kubernetes
 * status and records are written from too), `labctl describe` and the status page. The text
 * around each value stays, so a person can still tell what failed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, afterEach, before, describe, test } from "node:test";
import { tripleoUndercloud } from "../../src/api/tripleoundercloud.js";
import { describeState } from "../../src/cli/commands/describe.js";
import { applySteps } from "../../src/controllers/apply.js";
import type { ReconcileContext } from "../../src/controllers/contract.js";
import type { UndercloudCredentials } from "../../src/controllers/hostaccess.js";
import { emptyState, recordEvent } from "../../src/controllers/state.js";
import { desiredGuest, desiredVm } from "../../src/controllers/undercloud/desired.js";
import { GuestRun } from "../../src/controllers/undercloud/guest.js";
import { createLogger } from "../../src/log.js";
import { FileStateStore } from "../../src/modes/file/filestate.js";
import { CommandFailed } from "../../src/remote/errors.js";
import type { SshHost } from "../../src/remote/host.js";
import { HostPool } from "../../src/remote/pool.js";
import { forgetSecrets } from "../../src/remote/redact.js";
import type { ExecOptions, ExecResult } from "../../src/remote/types.js";
import { createHostAccess, type CredentialStore } from "../../src/runtime/host-access.js";
import { renderStamp, undercloudOwner } from "../../src/steps/undercloud/stamp.js";
import { buildTopology } from "../../src/topology/model.js";
import { classify } from "../../src/util/errors.js";
import { KeyedMutex } from "../../src/util/keyed-mutex.js";
import { startStatusServer } from "../../src/web/server.js";
import { RecordingHost, rawNothing } from "../unit/steps/undercloud/support.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";

const GUEST_PASSWORD = "CanaryGuestPw0x1Y2z3W4v5";
const BMC_PASSWORD = "CanaryBmcPw9q8R7s6T";

/** [a line a host prints, its canary value, text that must stay]. */
const CANARIES: Array<[string, string, string]> = [
  ["  AdminPassword: CanaryAdmin01", "CanaryAdmin01", "AdminPassword: [redacted]"],
  ["MysqlRootPassword=CanaryMysql02", "CanaryMysql02", "MysqlRootPassword=[redacted]"],
  ["undercloud_admin_password = Canary Ini 03", "Canary Ini 03", "undercloud_admin_password = [redacted]"],
  ["+ export OS_PASSWORD=CanaryOs04", "CanaryOs04", "OS_PASSWORD=[redacted]"],
  [
    "+ ipmitool -I lanplus -H 192.168.24.1 -U admin -P CanaryIpmi05 power status",
    "CanaryIpmi05",
    "-U admin -P [redacted] power status",
  ],
  ["+ curl -fsS -u admin:CanaryCurl06 https://registry/v2/", "CanaryCurl06", "-u admin:[redacted] https"],
  ["> Authorization: Bearer CanaryBearer07", "CanaryBearer07", "Authorization: Bearer [redacted]"],
  ['  password: "Canary quoted 08"', "Canary quoted 08", 'password: "[redacted]"'],
  ["  KeystoneAdminToken: 'Canary single 09'", "Canary single 09", "KeystoneAdminToken: '[redacted]'"],
  ["pull https://bot:CanaryUrl10@registry.example/x", "CanaryUrl10", "https://bot:[redacted]@registry"],
  [
    `sshpass: login as stack with ${GUEST_PASSWORD} refused`,
    GUEST_PASSWORD,
    "login as stack with [redacted]",
  ],
  [`vbmc: node-0 ${BMC_PASSWORD} rejected`, BMC_PASSWORD, "node-0 [redacted] rejected"],
];
const PEM = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "CanaryPemBody11CanaryPemBody11CanaryPemBody11",
  "-----END OPENSSH PRIVATE KEY-----",
];
const SECRETS = [...CANARIES.map(([, s]) => s), "CanaryPemBody11"];

/** Prints every canary line on stdout and stderr (PEM block included), then fails. */
const PRINT_AND_FAIL = `printf '%s\\n' "$@"; printf '%s\\n' "$@" >&2; exit 3`;
const LINES = [...CANARIES.map(([l]) => l), ...PEM];

function assertClean(sink: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${sink} holds the canary ${JSON.stringify(s)}`);
}

function assertUseful(sink: string, text: string): void {
  for (const [, , kept] of CANARIES) assert.ok(text.includes(kept), `${sink} lost ${JSON.stringify(kept)}`);
}

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Ck2x0Q5bC8vPpfN7t8G8b2V3qO1c7yKkqz3bX6s8F";
const CREDS: UndercloudCredentials = {
  privateKey: "KEY",
  publicKey: `${KEY} c`,
  password: GUEST_PASSWORD,
  hostKey: { privateKey: "HOST", publicKey: `${KEY} h` },
};

const uc = tripleoUndercloud.parse({
  apiVersion: "openstacklab.io/v1alpha1",
  kind: "TripleOUndercloud",
  metadata: { name: "undercloud", namespace: "default" },
  spec: {
    managerRef: { name: "manager" },
    domainName: "tripleo",
    nics: [{ networkRef: { name: "a" } }, { networkRef: { name: "b" } }],
    tripleo: { profile: "debian-test" },
  },
});

/** The Manager: observe answers a running VM journaled up to "configured". */
class ManagerDouble extends RecordingHost {
  override async observe<T>(): Promise<T> {
    const raw = rawNothing();
    raw.domain = {
      exists: true,
      state: "running",
      autostart: true,
      persistent: true,
      metadata: renderStamp({
        owner: undercloudOwner("default", "undercloud"),
        journal: ["created", "booted", "keyed", "packages", "configured"],
      }),
      macs: ["52:54:00:00:00:01"],
      cdroms: ["-"],
      address: "192.168.151.20",
    };
    return raw as T;
  }
}

/** The VM: its install runs for real over ssh (the loopback sshd) and prints the canaries. */
class GuestOverSsh extends RecordingHost {
  constructor(private readonly real: SshHost) {
    super(real.id);
  }
  override async exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    if (!opts.purpose.startsWith("install the undercloud")) return super.exec(argv, opts);
    return this.real.exec(["sh", "-c", PRINT_AND_FAIL, "canary", ...LINES], opts);
  }
}

describe("secrets a host prints never reach a sink", () => {
  let fx: RemoteFixture;
  let host: SshHost;
  let dir: string;
  const logged: string[] = [];
  const log = createLogger({
    level: "trace",
    destination: new Writable({ write: (c: Buffer, _e, cb) => (logged.push(c.toString()), cb()) }),
  });
  const logs = () => fx.logText() + logged.join("");

  before(async () => {
    fx = await remoteFixture();
    host = fx.pool.host(fx.target("root"));
    dir = mkdtempSync(join(tmpdir(), "lab-canary-"));
    // The operator's own secrets are known through host access, as in both modes.
    const store = {
      knownHostsPath: fx.knownHostsPath,
      undercloudCredentials: async () => ({ ...CREDS, bmcPassword: BMC_PASSWORD }),
    } as unknown as CredentialStore;
    const access = createHostAccess(store, log);
    await access.undercloud.credentials(uc);
    await access.close();
  });
  afterEach(() => assertClean("the logs (trace level)", logs()));
  after(async () => {
    forgetSecrets();
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("exec: streamed lines, the result and the failure carry scrubbed text only", async () => {
    const lines: string[] = [];
    const argv = ["sh", "-c", PRINT_AND_FAIL, "canary", ...LINES];
    const onLine = (stream: string, line: string) => lines.push(`${stream}: ${line}`);
    const result = await host.exec(argv, { purpose: "print canaries", allowFailure: true, onLine });
    assert.equal(result.exitCode, 3);
    for (const [sink, text] of [
      ["onLine", lines.join("\n")],
      ["stdout", result.stdout],
      ["stderr", result.stderr],
    ] as const) {
      assertClean(sink, text);
      assertUseful(sink, text);
    }
    assert.equal(lines.length, 2 * LINES.length, "one scrubbed line per line printed");
    await assert.rejects(host.exec(argv, { purpose: "print canaries" }), (err: unknown) => {
      assert.ok(err instanceof CommandFailed);
      assertClean("CommandFailed.message", err.message);
      assertClean("CommandFailed.stderrTail", err.stderrTail.join("\n"));
      assertUseful("CommandFailed.stderrTail", err.stderrTail.join("\n"));
      return true;
    });
    assert.match(logs(), /AdminPassword: \[redacted\]/, "output lines are logged, scrubbed");
  });

  test("exec with no line reader and no debug log (stdout is not split into lines): the result is scrubbed", async () => {
    const quiet = new HostPool({ knownHostsPath: fx.knownHostsPath, log: createLogger({ level: "info" }) });
    try {
      const argv = ["sh", "-c", PRINT_AND_FAIL, "canary", ...LINES];
      const result = await quiet
        .host(fx.target("root"))
        .exec(argv, { purpose: "print canaries", allowFailure: true });
      assert.equal(result.exitCode, 3);
      for (const [sink, text] of [
        ["stdout", result.stdout],
        ["stderr", result.stderr],
      ] as const) {
        assertClean(sink, text);
        assertUseful(sink, text);
      }
    } finally {
      quiet.close();
    }
  });

  test("stream: event lines and stderr are scrubbed as they arrive", async () => {
    const lines: string[] = [];
    const stream = host.stream(["sh", "-c", PRINT_AND_FAIL, "canary", ...LINES], (l) => lines.push(l), {
      purpose: "canary stream",
    });
    await stream.done;
    assert.equal(lines.length, LINES.length);
    assertClean("stream lines", lines.join("\n"));
    assertUseful("stream lines", lines.join("\n"));
  });

  test("a failing guest phase: condition, steps, events, state file, describe and the status page", async () => {
    const state = emptyState("TripleOUndercloud", "default", "undercloud");
    const store = new FileStateStore(join(dir, "state"));
    const checkpoint = () => store.save(state);
    const ctx = {
      state,
      checkpoint,
      hostLock: new KeyedMutex(),
      log,
      signal: new AbortController().signal,
      mutate: true,
      emitStep: () => undefined,
    } as unknown as ReconcileContext;
    const manager = new ManagerDouble("root@manager:22");
    const creds = CREDS;
    const run = new GuestRun({
      sink: { state, checkpoint },
      log,
      access: {
        credentials: async () => creds,
        guest: async () => new GuestOverSsh(host),
        saveResults: async () => join(dir, "results"),
      },
      manager: {} as never,
      managerHost: manager,
      uc,
      creds,
      vm: desiredVm(uc, creds, []),
      guest: desiredGuest(uc),
      lock: "default/manager/vm/tripleo",
    });
    const steps = run.steps({
      owner: undercloudOwner("default", uc.metadata.name),
      journal: ["created", "booted", "keyed", "packages", "configured"],
    });
    let failure: Error | undefined;
    try {
      await applySteps(
        { ctx, host: manager, lock: "default/manager", onStepStarted: () => undefined },
        steps,
      );
    } catch (err) {
      failure = err as Error;
      // what the driver does with a failed reconcile
      const f = classify(err);
      recordEvent(state, "Warning", f.reason, f.message);
    }
    assert.ok(failure instanceof CommandFailed, `the install failed as a command: ${String(failure?.stack)}`);
    await store.save(state);

    const progressing = state.status.conditions.find((c) => c.type === "Progressing");
    assert.equal(progressing?.reason, "GuestStepFailed");
    assertClean("the error", failure.message);
    assertClean("the GuestStepFailed condition", progressing.message);
    assert.match(progressing.message, /\[redacted\]/, "its last output lines are kept, scrubbed");
    assertClean("the step records", JSON.stringify(state.steps));
    assertUseful("the failed step's stderr tail", state.steps.at(-1)?.failure?.stderrTail.join("\n") ?? "");
    assertClean("the events", JSON.stringify(state.events));
    assertClean("the whole state (Kubernetes status and record)", JSON.stringify(state));
    for (const file of files(join(dir, "state")))
      assertClean(`state file ${file}`, readFileSync(file, "utf8"));
    assertClean(
      "labctl describe",
      describeState((await store.load("TripleOUndercloud", "default", "undercloud"))!),
    );

    const web = await startStatusServer({
      address: "127.0.0.1:0",
      topology: async () => buildTopology({ objects: [uc], states: [state] }),
    });
    try {
      const topology = await get(web.address, "/api/topology");
      assert.match(topology, /GuestStepFailed|undercloud/);
      assertClean("the status page's topology", topology);
      assertClean("the status page", await get(web.address, "/"));
    } finally {
      await web.close();
    }
  });
});

function files(root: string): string[] {
  return readdirSync(root).flatMap((e) => {
    const p = join(root, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function get(address: string, path: string): Promise<string> {
  const i = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: address.slice(0, i), port: Number(address.slice(i + 1)), path },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
