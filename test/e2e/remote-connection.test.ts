import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Unreachable } from "../../src/remote/errors.js";
import { remoteFixture, waitUntil, type RemoteFixture } from "./support/remote-fixture.js";
import { signalAll, startSshd, type TestSshd } from "./support/sshd.js";

describe("pooled ssh connections", () => {
  let fx: RemoteFixture;
  let inner: TestSshd;

  before(async () => {
    fx = await remoteFixture({ pool: { backoff: { baseMs: 50, maxMs: 500 } } });
    inner = await startSshd();
    inner.authorize("root", fx.key.public);
  });
  after(async () => {
    await fx.close();
    await inner.stop();
  });

  test("one connection is reused and round trips are counted", async () => {
    const host = fx.pool.host(fx.target("root"));
    assert.equal(fx.pool.stats().openConnections, 0, "connections open lazily");
    await host.exec(["true"], { purpose: "first" });
    await host.exec(["true"], { purpose: "second" });
    await host.observe("echo '{}'", [], { purpose: "observe" });
    await host.readFile("/etc/hostname");
    const stats = fx.pool.stats();
    assert.equal(stats.openConnections, 1);
    assert.deepEqual(
      {
        exec: stats.hosts[host.id]?.exec,
        observe: stats.hosts[host.id]?.observe,
        sftp: stats.hosts[host.id]?.sftp,
        connects: stats.hosts[host.id]?.connects,
      },
      { exec: 2, observe: 1, sftp: 1, connects: 1 },
    );
    assert.equal(fx.pool.host(fx.target("root")), host, "same key, same RemoteHost");
  });

  test("losing the connection mid-command rejects with a retryable Unreachable, then reconnects", async () => {
    const host = fx.pool.host(fx.target("root"));
    await host.exec(["true"], { purpose: "warm up" });
    const running = host.exec(["sh", "-c", "echo started; sleep 60"], {
      purpose: "long command",
      onLine: (_s, line) => {
        if (line === "started") fx.sshd.signalSessions("SIGKILL");
      },
    });
    const started = Date.now();
    await assert.rejects(running, (err: unknown) => {
      assert.ok(err instanceof Unreachable, `got ${String(err)}`);
      assert.equal(err.retryable, true);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, "the loss is noticed quickly, without waiting for keepalives");
    const again = await host.exec(["echo", "back"], { purpose: "after reconnect" });
    assert.equal(again.stdout, "back\n");
    assert.equal(fx.pool.stats().hosts[host.id]?.connects, 2);
  });

  test("a stream reports broken with Unreachable when the connection drops", async () => {
    const host = fx.pool.host(fx.target("root"));
    const lines: string[] = [];
    const stream = host.stream(["sh", "-c", "echo ready; exec sleep 1618.03"], (line) => lines.push(line), {
      purpose: "events",
    });
    await waitUntil(() => lines.includes("ready"), 10_000, "stream to start");
    fx.sshd.signalSessions("SIGKILL");
    const outcome = await stream.done;
    assert.equal(outcome.reason, "broken");
    assert.ok(outcome.error instanceof Unreachable);
    await waitUntil(
      () => {
        try {
          execFileSync("pgrep", ["-f", "sleep 1618.03"]);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      "the orphaned stream command to be killed by its watchdog",
    );
  });

  test("a host that stops answering is detected by keepalives: Unreachable, never a hang", async () => {
    const { HostPool } = await import("../../src/remote/pool.js");
    const pool = new HostPool({
      knownHostsPath: fx.knownHostsPath,
      log: fx.log,
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    const host = pool.host(fx.target("root"));
    await host.exec(["true"], { purpose: "warm up" });
    const frozen = fx.sshd.sessionPids();
    const running = host.exec(["sh", "-c", "echo started; sleep 60"], {
      purpose: "command on a frozen host",
      onLine: (_s, line) => {
        if (line === "started") signalAll(frozen, "SIGSTOP");
      },
    });
    const started = Date.now();
    try {
      await assert.rejects(
        running,
        (err: unknown) => err instanceof Unreachable && /keepalive/i.test(err.message),
      );
      assert.ok(Date.now() - started < 5_000, `noticed after ${Date.now() - started} ms`);
    } finally {
      signalAll(frozen, "SIGKILL");
      pool.close();
    }
  });

  test("an unreachable host fails with Unreachable after a few backoff attempts", async () => {
    const host = fx.pool.host({ ...fx.target("root"), port: 1 });
    await assert.rejects(host.exec(["true"], { purpose: "nowhere" }), Unreachable);
  });

  test("a jump through one sshd reaches another, host key pinned", async () => {
    const manager = fx.pool.host(fx.target("root"));
    const vm = fx.pool.jump(manager, fx.targetOn(inner, "root"));
    const result = await vm.exec(["sh", "-c", 'echo "$SSH_CONNECTION"'], { purpose: "where am i" });
    const [, clientPort, serverAddr, serverPort] = result.stdout.trim().split(" ");
    assert.equal(serverAddr, inner.host);
    assert.equal(serverPort, String(inner.port));
    // The inner session's client socket belongs to the outer sshd's session process.
    const owner = execFileSync("ss", ["-Htnp", "state", "established", "src", `127.0.0.1:${clientPort}`], {
      encoding: "utf8",
    });
    const pid = Number(/pid=(\d+)/.exec(owner)?.[1]);
    assert.ok(
      fx.sshd.sessionPids().includes(pid),
      `socket owner ${owner.trim()} is a session of the jump sshd`,
    );
    assert.equal(fx.pool.stats().openConnections >= 2, true);
  });

  test("a jumped connection breaks with Unreachable when the gateway drops, then recovers", async () => {
    const manager = fx.pool.host(fx.target("root"));
    const vm = fx.pool.jump(manager, fx.targetOn(inner, "root"));
    await vm.exec(["true"], { purpose: "warm up" });
    const running = vm.exec(["sh", "-c", "echo started; sleep 60"], {
      purpose: "long command in vm",
      onLine: (_s, line) => {
        if (line === "started") fx.sshd.signalSessions("SIGKILL");
      },
    });
    await assert.rejects(running, Unreachable);
    await waitUntil(() => !manager.connection.isOpen, 5_000, "gateway loss to be noticed");
    assert.equal((await vm.exec(["echo", "ok"], { purpose: "after" })).stdout, "ok\n");
  });

  test("close() ends every connection and later calls fail fast", async () => {
    const { HostPool } = await import("../../src/remote/pool.js");
    const pool = new HostPool({ knownHostsPath: fx.knownHostsPath, log: fx.log });
    const host = pool.host(fx.target("root"));
    await host.exec(["true"], { purpose: "open" });
    assert.equal(pool.stats().openConnections, 1);
    pool.close();
    await waitUntil(() => !host.connection.isOpen, 5_000, "connection to close");
    await assert.rejects(host.exec(["true"], { purpose: "after close" }), Unreachable);
  });
});
