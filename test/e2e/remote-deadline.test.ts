/**
 * Every exec settles by its deadline (timeoutMs plus the local grace), even when the peer
 * never answers again: a VM rebooting behind the Manager, a frozen sshd. Keepalives are off
 * here, so nothing but the exec's own bounds can end the wait.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CommandTimeout, Unreachable } from "../../src/remote/errors.js";
import { CLOSE_ANSWER_MS, LOCAL_GRACE_MS } from "../../src/remote/exec.js";
import { HostPool } from "../../src/remote/pool.js";
import { remoteFixture, waitUntil, type RemoteFixture } from "./support/remote-fixture.js";
import { signalAll, startSshd, type TestSshd } from "./support/sshd.js";

const TIMEOUT_MS = 1_000;
/** The most an exec may take past its start: its budget, the close's answer, some slack. */
const BOUND_MS = TIMEOUT_MS + LOCAL_GRACE_MS + CLOSE_ANSWER_MS + 3_000;

/** Time an exec that must reject within BOUND_MS, with the error `check` accepts. */
async function rejectsInTime(running: Promise<unknown>, check: (err: unknown) => boolean): Promise<number> {
  const started = Date.now();
  const overdue = new Promise<never>((_resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still pending after ${BOUND_MS} ms`)), BOUND_MS);
    void running.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  });
  await assert.rejects(Promise.race([running, overdue]), (err: unknown) => {
    assert.ok(check(err), `got ${String(err)}`);
    return true;
  });
  return Date.now() - started;
}

describe("exec deadlines against a peer that never answers", () => {
  let fx: RemoteFixture;
  let inner: TestSshd;
  let pool: HostPool;

  before(async () => {
    fx = await remoteFixture();
    inner = await startSshd();
    inner.authorize("root", fx.key.public);
    pool = new HostPool({ knownHostsPath: fx.knownHostsPath, log: fx.log, keepaliveIntervalMs: 0 });
  });
  after(async () => {
    pool.close();
    await fx.close();
    await inner.stop();
  });

  test("an exec through the Manager settles when the VM's sshd dies mid-command (the reboot)", async () => {
    const vm = pool.jump(fx.target("root"), fx.targetOn(inner, "root"));
    await vm.exec(["true"], { purpose: "warm up" });
    // The VM's sshd killed (as the test guest's reboot does): its FIN reaches the Manager's
    // sshd, which passes it on as EOF only and waits for ours before closing the channel.
    const running = vm.exec(["sh", "-c", "echo started; sleep 60"], {
      purpose: "reboot-like command",
      timeoutMs: TIMEOUT_MS,
      onLine: (_s, line) => {
        if (line === "started") signalAll(inner.sessionTreePids(), "SIGKILL");
      },
    });
    const ms = await rejectsInTime(running, (err) => err instanceof Unreachable && err.retryable);
    assert.ok(ms < 5_000, `the loss is noticed at once, not at the deadline (${ms} ms)`);
    assert.equal((await vm.exec(["echo", "back"], { purpose: "after the reboot" })).stdout, "back\n");
  });

  test("an exec whose sshd freezes mid-command rejects with CommandTimeout by its deadline", async () => {
    const host = pool.host(fx.target("root"));
    await host.exec(["true"], { purpose: "warm up" });
    const frozen = fx.sshd.sessionTreePids();
    try {
      const running = host.exec(["sh", "-c", "echo started; sleep 60"], {
        purpose: "command on a frozen host",
        timeoutMs: TIMEOUT_MS,
        onLine: (_s, line) => {
          if (line === "started") signalAll(frozen, "SIGSTOP");
        },
      });
      const ms = await rejectsInTime(running, (err) => err instanceof CommandTimeout);
      assert.ok(ms >= TIMEOUT_MS + LOCAL_GRACE_MS, `closed locally only past the grace (${ms} ms)`);
    } finally {
      signalAll(frozen, "SIGKILL");
      await waitUntil(() => !host.connection.isOpen, 5_000, "the killed session to be noticed");
    }
  });

  test("a channel open the sshd never answers is given up by the exec's deadline", async () => {
    const host = pool.host(fx.target("root"));
    await host.exec(["true"], { purpose: "warm up" });
    const frozen = fx.sshd.sessionTreePids();
    signalAll(frozen, "SIGSTOP");
    try {
      const running = host.exec(["true"], { purpose: "open on a frozen host", timeoutMs: TIMEOUT_MS });
      await rejectsInTime(running, (err) => err instanceof Unreachable && /channel open/.test(err.message));
    } finally {
      signalAll(frozen, "SIGKILL");
    }
  });
});
