// Leader election on a real coordination.k8s.io/v1 Lease: one leader at a time, hand-over
// within the lease duration when the leader stops renewing, at once when it releases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LeaderElector } from "../../src/modes/kubernetes/leader.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { eventually, quietLog, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

const LEASE_SECONDS = 3;

describe("leader election", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  const log: string[] = [];
  const electors: LeaderElector[] = [];

  function candidate(identity: string, leaseName: string): LeaderElector {
    const elector = new LeaderElector({
      clients: cluster.clients,
      namespace: "default",
      leaseName,
      identity,
      leaseDurationSeconds: LEASE_SECONDS,
      renewDeadlineMs: 2000,
      retryPeriodMs: 300,
      log: quietLog,
      onStartedLeading: () => void log.push(`${identity} started`),
      onStoppedLeading: () => void log.push(`${identity} stopped`),
    });
    electors.push(elector);
    elector.start();
    return elector;
  }

  const holder = async (lease: string) =>
    cluster.kubectl(["get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}"]);

  before(async () => {
    cluster = await startCluster();
  });

  after(async () => {
    for (const e of electors) await e.stop({ release: false });
    await cluster?.api.stop();
  });

  test("of two candidates exactly one leads, and the Lease names it", async () => {
    const a = candidate("a", "one-leader");
    const b = candidate("b", "one-leader");
    const leader = await eventually(() => (a.isLeader ? a : b.isLeader ? b : undefined), 10_000);
    // Several retry periods later there is still exactly one leader.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(Number(a.isLeader) + Number(b.isLeader), 1);
    assert.equal(await holder("one-leader"), leader.identity);
    assert.deepEqual(log, [`${leader.identity} started`]);
  });

  test("when the leader stops renewing, the other takes over once the lease runs out", async () => {
    const c = candidate("c", "takeover");
    await eventually(() => c.isLeader, 10_000);
    const d = candidate("d", "takeover");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(d.isLeader, false);
    const killed = Date.now();
    await c.stop({ release: false }); // a crash: the lease is left as it was
    await eventually(() => d.isLeader, 3 * LEASE_SECONDS * 1000);
    const tookMs = Date.now() - killed;
    console.log(`# took over ${tookMs} ms after the leader stopped renewing (lease ${LEASE_SECONDS}s)`);
    // The lease must run out first (nobody may steal a live lease), then one retry period.
    assert.ok(tookMs >= LEASE_SECONDS * 1000 - 500, `took over too early: ${tookMs} ms`);
    assert.ok(tookMs <= LEASE_SECONDS * 1000 + 1500, `took over too late: ${tookMs} ms`);
    assert.equal(await holder("takeover"), "d");
    const transitions = await cluster.kubectl([
      "get",
      "lease",
      "takeover",
      "-o",
      "jsonpath={.spec.leaseTransitions}",
    ]);
    assert.equal(transitions, "1");
  });

  test("a leader that releases hands over at once", async () => {
    const e = candidate("e", "release");
    await eventually(() => e.isLeader, 10_000);
    const f = candidate("f", "release");
    const released = Date.now();
    await e.stop();
    assert.ok(log.includes("e stopped"));
    await eventually(() => f.isLeader, 10_000);
    const tookMs = Date.now() - released;
    console.log(`# took over ${tookMs} ms after a release`);
    assert.ok(tookMs < LEASE_SECONDS * 1000, `a released lease should not need to expire: ${tookMs} ms`);
  });

  test("a leader whose lease is taken steps down after the renew deadline", async () => {
    const g = candidate("g", "lost");
    await eventually(() => g.isLeader, 10_000);
    // Someone else takes the lease by force: g can no longer renew it.
    await cluster.kubectl([
      "patch",
      "lease",
      "lost",
      "--type=merge",
      "-p",
      '{"spec":{"holderIdentity":"intruder"}}',
    ]);
    await eventually(() => !g.isLeader, 10_000);
    assert.ok(log.includes("g stopped"));
  });
});
