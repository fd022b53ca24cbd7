import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { CommandFailed, CommandTimeout, UnexpectedOutput } from "../../src/remote/errors.js";
import type { SshHost } from "../../src/remote/host.js";
import { remoteFixture, waitUntil, type RemoteFixture } from "./support/remote-fixture.js";
import { createUser, type TestUser } from "./support/users.js";

function remotePids(pattern: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("remote exec over a pooled ssh connection", () => {
  let fx: RemoteFixture;
  let root: SshHost;
  let sudoer: TestUser;
  let plain: TestUser;

  before(async () => {
    fx = await remoteFixture();
    root = fx.pool.host(fx.target("root"));
    sudoer = createUser("lsu", { sudo: true });
    plain = createUser("lpl");
    fx.sshd.authorize(sudoer.name, fx.key.public);
    fx.sshd.authorize(plain.name, fx.key.public);
  });
  after(async () => {
    await fx.close();
    sudoer.remove();
    plain.remove();
  });

  test("returns stdout, stderr and exit code, streaming lines as they arrive", async () => {
    const lines: string[] = [];
    const result = await root.exec(["sh", "-c", "echo one; echo two >&2; printf 'three'; exit 0"], {
      purpose: "print lines",
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, "one\nthree");
    assert.equal(result.stderr, "two\n");
    assert.deepEqual(lines.sort(), ["stderr:two", "stdout:one", "stdout:three"]);
  });

  test("a non-zero exit throws CommandFailed with purpose, code and stderr tail", async () => {
    const script = "for i in $(seq 1 30); do echo line$i >&2; done; exit 7";
    await assert.rejects(root.exec(["sh", "-c", script], { purpose: "fail on purpose" }), (err: unknown) => {
      assert.ok(err instanceof CommandFailed);
      assert.equal(err.purpose, "fail on purpose");
      assert.equal(err.exitCode, 7);
      assert.equal(err.stderrTail.length, 20);
      assert.equal(err.stderrTail.at(-1), "line30");
      return true;
    });
    const tolerated = await root.exec(["sh", "-c", "exit 3"], { purpose: "tolerated", allowFailure: true });
    assert.equal(tolerated.exitCode, 3);
  });

  test("stdin reaches the command and is closed after", async () => {
    const result = await root.exec(["sh", "-c", "cat; echo done"], {
      purpose: "read stdin",
      stdin: "secret-input\n",
    });
    assert.equal(result.stdout, "secret-input\ndone\n");
    const noInput = await root.exec(["cat"], { purpose: "cat without stdin", timeoutMs: 5_000 });
    assert.equal(noInput.stdout, "");
  });

  test("a timeout kills the remote command and throws CommandTimeout", async () => {
    const marker = "3141.59";
    const started = Date.now();
    await assert.rejects(
      root.exec(["sh", "-c", `sleep ${marker}; echo survived`], {
        purpose: "sleep too long",
        timeoutMs: 1_000,
      }),
      CommandTimeout,
    );
    assert.ok(Date.now() - started < 5_000, "timeout reported promptly");
    await waitUntil(() => remotePids(`sleep ${marker}`).length === 0, 5_000, "remote sleep to die");
  });

  test("sudo runs as root for a non-root login; without sudo it runs as the login", async () => {
    const host = fx.pool.host(fx.target(sudoer.name));
    assert.equal((await host.exec(["id", "-un"], { purpose: "who am i" })).stdout.trim(), sudoer.name);
    assert.equal(
      (await host.exec(["id", "-un"], { purpose: "who am i (sudo)", sudo: true })).stdout.trim(),
      "root",
    );
  });

  test("sudo without sudo rights fails fast instead of prompting", async () => {
    const host = fx.pool.host(fx.target(plain.name));
    await assert.rejects(
      host.exec(["id"], { purpose: "sudo denied", sudo: true, timeoutMs: 10_000 }),
      CommandFailed,
    );
  });

  test("observe parses the script's JSON and names the purpose on bad output", async () => {
    const script = 'printf \'{"args":%s,"first":"%s"}\' "$#" "$1"';
    const facts = await root.observe<{ args: number; first: string }>(script, ["a b'c", "x"], {
      purpose: "observe args",
    });
    assert.deepEqual(facts, { args: 2, first: "a b'c" });
    await assert.rejects(
      root.observe("echo not-json", [], { purpose: "observe garbage" }),
      (err: unknown) => {
        assert.ok(err instanceof UnexpectedOutput);
        assert.match(err.message, /observe garbage/);
        return true;
      },
    );
  });

  test("many concurrent commands queue behind the channel cap and all succeed", async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => root.exec(["echo", String(i)], { purpose: `parallel ${i}` })),
    );
    assert.deepEqual(
      results.map((r) => r.stdout.trim()),
      Array.from({ length: 30 }, (_, i) => String(i)),
    );
    const stats = fx.pool.stats().hosts[root.id];
    assert.equal(stats?.connects, 1, "one connection reused");
    assert.equal(stats?.activeChannels, 0);
  });

  test("a stream delivers lines until closed, and closing it ends the remote process", async () => {
    const marker = "2718.28";
    const lines: string[] = [];
    const stream = root.stream(["sh", "-c", `echo ready; exec sleep ${marker}`], (line) => lines.push(line), {
      purpose: "events",
    });
    await waitUntil(() => lines.includes("ready"), 10_000, "first stream line");
    stream.close();
    assert.equal((await stream.done).reason, "closed");
    await waitUntil(() => remotePids(`sleep ${marker}`).length === 0, 5_000, "stream command to die");
  });

  test("a stream that exits on its own reports exited", async () => {
    const lines: string[] = [];
    const stream = root.stream(["printf", "a\\nb\\n"], (line) => lines.push(line), {
      purpose: "short stream",
    });
    assert.equal((await stream.done).reason, "exited");
    assert.deepEqual(lines, ["a", "b"]);
  });
});
