import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labManager, libvirtNetwork, type LabObject } from "../../../../src/api/index.js";
import { createLogger } from "../../../../src/log.js";
import { EventWatcher, type EventWatcherOptions } from "../../../../src/remote/event-watcher.js";
import { parseLibvirtEvent } from "../../../../src/steps/libvirt-events.js";
import { fileEvents } from "../../../../src/steps/labmanager/file-events.js";
import { NET_EVENT_ARGV, networkEvents } from "../../../../src/steps/network/events.js";
import type { RemoteHost, RemoteStream } from "../../../../src/remote/types.js";
import { RecordingHost } from "./support.js";

describe("parseLibvirtEvent", () => {
  it("reads virsh 9.0 network event lines, with and without --timestamp", () => {
    assert.deepEqual(
      parseLibvirtEvent("2026-11-25 13:14:30.491+0000: event 'lifecycle' for network hcp: Stopped"),
      {
        object: "network",
        name: "hcp",
        type: "lifecycle",
        detail: "Stopped",
        timestamp: "2026-11-25 13:14:30.491+0000",
      },
    );
    assert.equal(parseLibvirtEvent("event 'lifecycle' for network a: b: Started")?.name, "a: b");
  });

  it("reads domain event lines (quoted names) and ignores anything else", () => {
    assert.deepEqual(parseLibvirtEvent("event 'lifecycle' for domain 'vm 1': Stopped Destroyed"), {
      object: "domain",
      name: "vm 1",
      type: "lifecycle",
      detail: "Stopped Destroyed",
    });
    assert.equal(parseLibvirtEvent("events received: 3"), undefined);
    assert.equal(parseLibvirtEvent(""), undefined);
  });
});

/** A host whose streams the test feeds and breaks. */
class StreamHost extends RecordingHost implements RemoteHost {
  readonly streams: Array<{
    argv: string[];
    onLine: (l: string) => void;
    end: (reason: "exited" | "broken") => void;
    closed: boolean;
  }> = [];
  private waiters: Array<() => void> = [];

  override stream(argv: readonly string[], onLine: (line: string) => void): RemoteStream {
    let end!: (reason: "closed" | "exited" | "broken") => void;
    const done = new Promise<{ reason: "closed" | "exited" | "broken" }>(
      (resolve) => (end = (reason) => resolve({ reason })),
    );
    const entry = { argv: [...argv], onLine, end, closed: false };
    this.streams.push(entry);
    for (const w of this.waiters.splice(0)) w();
    return {
      done,
      close: () => {
        entry.closed = true;
        end("closed");
      },
    };
  }

  async streamCount(n: number): Promise<void> {
    while (this.streams.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
}

/** A LibvirtNetwork object named `name` whose libvirt network is `libvirtName`. */
const net = (name: string, libvirtName: string) =>
  libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name },
    spec: { managerRef: { name: "lab" }, mode: "isolated", bridge: "br0", networkName: libvirtName },
  });

/** The watcher the runtime opens for LibvirtNetworks on a Ready Manager. */
class LibvirtEventWatcher extends EventWatcher<ReturnType<typeof net>> {
  constructor(opts: EventWatcherOptions) {
    super(networkEvents, opts);
  }
}

describe("LibvirtEventWatcher", () => {
  const networks = () => [net("hypervisor-control-plane", "hypervisor-control-plane"), net("pub", "public")];

  it("enqueues the object whose libvirt network changed, and only that one", async () => {
    const host = new StreamHost();
    const queued: string[] = [];
    const watcher = new LibvirtEventWatcher({ log: createLogger({ level: "silent" }) });
    watcher.start("default/lab", host, networks, (k) => queued.push(k.name));
    await host.streamCount(1);
    assert.deepEqual(host.streams[0]!.argv, [...NET_EVENT_ARGV]);
    host.streams[0]!.onLine("2026-11-25 13:14:30.491+0000: event 'lifecycle' for network public: Stopped");
    host.streams[0]!.onLine("2026-11-25 13:14:31.000+0000: event 'lifecycle' for network default: Started");
    assert.deepEqual(queued, ["pub"]);
    await watcher.stop();
    assert.equal(host.streams[0]!.closed, true);
  });

  it("reconnects after the stream breaks and re-queues every network of the Manager", async () => {
    const host = new StreamHost();
    const queued: string[] = [];
    const watcher = new LibvirtEventWatcher({
      log: createLogger({ level: "silent" }),
      backoff: { baseMs: 1, maxMs: 5 },
    });
    watcher.start("default/lab", host, networks, (k) => queued.push(k.name));
    await host.streamCount(1);
    assert.deepEqual(queued, []);
    host.streams[0]!.end("broken");
    await host.streamCount(2);
    assert.deepEqual(queued.sort(), ["hypervisor-control-plane", "pub"]);
    host.streams[1]!.onLine("event 'lifecycle' for network hypervisor-control-plane: Stopped");
    assert.equal(queued.length, 3);
    await watcher.stop();
    assert.equal(host.streams.length, 2);
  });

  it("stops during a backoff without reconnecting", async () => {
    const host = new StreamHost();
    const watcher = new LibvirtEventWatcher({
      log: createLogger({ level: "silent" }),
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    watcher.start("default/lab", host, networks, () => undefined);
    await host.streamCount(1);
    host.streams[0]!.end("exited");
    await new Promise((r) => setImmediate(r));
    const started = Date.now();
    await watcher.stop();
    assert.ok(Date.now() - started < 1000);
    assert.equal(host.streams.length, 1);
    assert.equal(watcher.watching("default/lab"), false);
  });
});

describe("a watch whose command follows the objects (the LabManager file watch)", () => {
  const lab = (user: string) =>
    labManager.parse({
      apiVersion: "openstacklab.io/v1alpha1",
      kind: "LabManager",
      metadata: { name: "lab" },
      spec: { address: "10.0.0.2", user: { name: user } },
    });

  it("a spec that changes the command replaces the stream; the same command keeps it", async () => {
    const host = new StreamHost();
    const watcher = new EventWatcher<LabObject>(fileEvents, { log: createLogger({ level: "silent" }) });
    let objects: LabObject[] = [lab("manager")];
    const start = () =>
      watcher.start(
        "default/lab",
        host,
        () => objects,
        () => undefined,
      );
    start();
    await host.streamCount(1);
    assert.ok(host.streams[0]!.argv.includes("/etc/sudoers.d/lab-operator-manager"));
    start();
    objects = [lab("manager")];
    start();
    await new Promise((r) => setImmediate(r));
    assert.equal(host.streams.length, 1, "the same command: the stream stays");
    objects = [lab("stack")];
    start();
    await host.streamCount(2);
    assert.equal(host.streams[0]!.closed, true, "the old stream is closed");
    assert.ok(host.streams[1]!.argv.includes("/etc/sudoers.d/lab-operator-stack"));
    assert.ok(!host.streams[1]!.argv.includes("/etc/sudoers.d/lab-operator-manager"));
    await watcher.stop();
    assert.equal(host.streams[1]!.closed, true);
    assert.equal(host.streams.length, 2);
  });
});
