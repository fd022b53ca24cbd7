/**
 * File drift by inotify: the watcher the operator runs on the Manager, run here for real
 * (sh + this machine's python3 + the kernel's inotify) on a tree laid out like a Manager's
 * /etc and /home, and the mapping of its lines to the example lab's objects (manifests/).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { keyString, type LabManager, type LabObject } from "../../../src/api/index.js";
import { fileEvents, managerWatchPaths } from "../../../src/steps/labmanager/file-events.js";
import { FILE_WATCH_OVERFLOW, fileWatchArgv } from "../../../src/steps/labmanager/file-watch-script.js";
import { sudoersPath } from "../../../src/steps/labmanager/paths.js";
import { loadValidManifests } from "../../../src/sources/manifestloader.js";

const EXAMPLE = fileURLToPath(new URL("../../../manifests/", import.meta.url));

async function exampleLab(): Promise<LabObject[]> {
  const { objects, errors } = await loadValidManifests([EXAMPLE]);
  assert.deepEqual(errors, []);
  return objects.map((o) => o.object);
}

/** The watcher on PATHS, with its lines as they come. */
class Watcher {
  readonly lines: string[] = [];
  stderr = "";
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(paths: string[], env: NodeJS.ProcessEnv = process.env) {
    // sh by its path: the no-python case runs with an empty PATH.
    const [, ...args] = fileWatchArgv(paths);
    this.child = spawn("/bin/sh", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let partial = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Resolves once a line from index `from` on matches, or fails after 10 s. */
  async until(match: (line: string) => boolean, what: string, from = 0): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!this.lines.slice(from).some(match)) {
      if (Date.now() > deadline)
        assert.fail(`no line for ${what}; got ${JSON.stringify(this.lines.slice(from))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** The lines printed from now on, after `act`, once `settle` says they are complete. */
  async after(act: () => Promise<void>, settle: (line: string) => boolean, what: string): Promise<string[]> {
    // The last change's late events (a CLOSE_WRITE read after its CREATE) come first.
    for (let seen = -1; seen !== this.lines.length;) {
      seen = this.lines.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const start = this.lines.length;
    await act();
    await this.until(settle, what, start);
    return this.lines.slice(start);
  }

  stop(): void {
    this.child.kill();
  }
}

describe("the Manager's file watcher (real python3 and inotify)", () => {
  let root = "";
  let watcher: Watcher;
  const at = (p: string) => join(root, p);
  // A marker file in a watched directory, written after a change: once its line has come,
  // every line of the change before it has too (inotify keeps the order of one directory).
  // Its own events may print it again later, in the next test's lines.
  let mark = 0;
  const onlyMarksBesides = (lines: string[], expected: string[]) => {
    const others = lines.filter((l) => !l.endsWith("/zz-mark") && !expected.includes(l));
    assert.deepEqual(others, [], `only ${JSON.stringify(expected)} in ${JSON.stringify(lines)}`);
  };
  const marked = async (dir: string) => {
    await writeFile(at(`${dir}/zz-mark`), String(mark++));
  };
  const paths = () => [
    at("/etc/sudoers.d/lab-operator-manager"),
    at("/etc/systemd/network/50-lab-public.network"),
    at("/etc/passwd"),
    at("/home/manager"),
    at("/home/manager/.ssh/authorized_keys"),
    at("/etc/sudoers.d/zz-mark"),
    at("/home/zz-mark"),
  ];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "file-watch-"));
    await mkdir(at("/etc/sudoers.d"), { recursive: true });
    await mkdir(at("/etc/systemd/network"), { recursive: true });
    await mkdir(at("/home"), { recursive: true });
    await writeFile(at("/etc/sudoers.d/lab-operator-manager"), "manager ALL=(ALL) NOPASSWD:ALL\n");
    await writeFile(at("/etc/systemd/network/50-lab-public.network"), "[Match]\nName=public\n");
    await writeFile(at("/etc/passwd"), "root:x:0:0::/root:/bin/bash\n");
    watcher = new Watcher(paths());
    await watcher.until((l) => l.startsWith("watching "), "the start");
  });
  after(async () => {
    watcher.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("says how many directories it watches: the ones missing now are followed once made", () => {
    const line = watcher.lines.find((l) => l.startsWith("watching "));
    // home/manager and its .ssh do not exist yet.
    assert.match(line!, /^watching (\d+) of (\d+) directories$/);
    const [, n, of] = /^watching (\d+) of (\d+)/.exec(line!)!;
    assert.equal(Number(of) - Number(n), 2);
  });

  it("a sudoers file deleted by hand prints its path, and a file beside it nothing", async () => {
    const lines = await watcher.after(
      async () => {
        await writeFile(at("/etc/sudoers.d/someone-else"), "x\n");
        await rm(at("/etc/sudoers.d/lab-operator-manager"));
        await marked("/etc/sudoers.d");
      },
      (l) => l.endsWith("zz-mark"),
      "the deletion",
    );
    assert.ok(lines.includes(at("/etc/sudoers.d/lab-operator-manager")));
    onlyMarksBesides(lines, [at("/etc/sudoers.d/lab-operator-manager")]);
  });

  it("a file edited the way sed -i and editors do (write a temp file, rename it over) prints its path", async () => {
    const file = at("/etc/systemd/network/50-lab-public.network");
    const lines = await watcher.after(
      async () => {
        await writeFile(`${file}.tmp`, "[Match]\nName=public\n# edited\n");
        await rename(`${file}.tmp`, file);
      },
      (l) => l === file,
      "the rename",
    );
    onlyMarksBesides(lines, [file]);
  });

  it("the account file rewritten (useradd, chpasswd) prints its path", async () => {
    const lines = await watcher.after(
      async () => {
        await writeFile(
          at("/etc/passwd+"),
          "root:x:0:0::/root:/bin/bash\nmanager:x:1000:1000::/home/manager:/bin/bash\n",
        );
        await rename(at("/etc/passwd+"), at("/etc/passwd"));
      },
      (l) => l === at("/etc/passwd"),
      "passwd",
    );
    assert.ok(lines.includes(at("/etc/passwd")));
  });

  it("a home and a ~/.ssh made after the start are followed: a key file in them is seen", async () => {
    const lines = await watcher.after(
      async () => {
        await mkdir(at("/home/manager"));
        await mkdir(at("/home/manager/.ssh"));
        await writeFile(at("/home/manager/.ssh/authorized_keys"), "ssh-ed25519 AAAA x\n");
      },
      (l) => l === at("/home/manager/.ssh/authorized_keys"),
      "authorized_keys in a new directory",
    );
    assert.ok(lines.includes(at("/home/manager")));
  });

  it("the home's mode changed by hand prints the home", async () => {
    const lines = await watcher.after(
      () => chmod(at("/home/manager"), 0o700),
      (l) => l === at("/home/manager"),
      "the chmod",
    );
    onlyMarksBesides(lines, [at("/home/manager")]);
  });

  it("a whole ~/.ssh removed and made again is still followed", async () => {
    await watcher.after(
      () => rm(at("/home/manager/.ssh"), { recursive: true }),
      (l) => l === at("/home/manager/.ssh"),
      "the removal",
    );
    const lines = await watcher.after(
      async () => {
        await mkdir(at("/home/manager/.ssh"));
        await writeFile(at("/home/manager/.ssh/authorized_keys"), "ssh-ed25519 BBBB y\n");
      },
      (l) => l === at("/home/manager/.ssh/authorized_keys"),
      "the key file again",
    );
    assert.ok(lines.includes(at("/home/manager/.ssh")));
  });

  it("reading the files (what observe does) prints nothing", async () => {
    const { readFile } = await import("node:fs/promises");
    const lines = await watcher.after(
      async () => {
        await readFile(at("/etc/passwd"));
        await readFile(at("/home/manager/.ssh/authorized_keys"));
        await marked("/home");
      },
      (l) => l === at("/home/zz-mark"),
      "the mark",
    );
    onlyMarksBesides(lines, []);
  });

  it("a Manager without python says why and exits 127", async () => {
    const lonely = new Watcher([at("/etc/passwd")], { PATH: "/nonexistent" });
    const code = await lonely.exited;
    if (code !== 127) assert.fail(`exit ${code}: ${lonely.stderr}`);
    assert.match(
      lonely.stderr,
      /no python on the Manager: files changed by hand are found at the next resync/,
    );
  });
});

describe("file events of the example lab (manifests/)", () => {
  let objects: LabObject[] = [];
  let lab: LabManager;
  before(async () => {
    objects = await exampleLab();
    lab = objects.find((o): o is LabManager => o.kind === "LabManager")!;
  });
  const onLab = () => objects.filter((o) => o.kind === "LabManager" || o.kind === "LibvirtNetwork");
  const affected = (line?: string) => fileEvents.affected(line, onLab()).map(keyString);

  it("watches the user's sudoers file, the bridge files, the account files and the user's keys", () => {
    const argv = typeof fileEvents.argv === "function" ? fileEvents.argv(onLab()) : fileEvents.argv;
    const paths = argv.slice(4);
    for (const p of [
      sudoersPath(lab.spec.user.name),
      "/etc/systemd/network/50-lab-public.netdev",
      "/etc/NetworkManager/system-connections/lab-openstack.nmconnection",
      "/etc/qemu/bridge.conf",
      "/etc/qemu-kvm/bridge.conf",
      "/etc/passwd",
      "/etc/shadow",
      `/home/${lab.spec.user.name}/.ssh/authorized_keys`,
      lab.spec.networkHook.configFile,
    ])
      assert.ok(paths.includes(p), `${p} in ${JSON.stringify(paths)}`);
    assert.deepEqual(paths, [...new Set(paths)].sort());
  });

  it("a LabManager file re-queues the LabManager only", () => {
    for (const p of managerWatchPaths(lab)) assert.deepEqual(affected(p), ["LabManager/default/lab"], p);
  });

  it("a directory on the way to one of its files re-queues it (a ~/.ssh deleted)", () => {
    assert.deepEqual(affected(`/home/${lab.spec.user.name}/.ssh`), ["LabManager/default/lab"]);
  });

  it("the network hook's config re-queues the networks that write it", () => {
    assert.deepEqual(affected(lab.spec.networkHook.configFile).sort(), [
      "LibvirtNetwork/default/hypervisor-control-plane",
      "LibvirtNetwork/default/openstack-control-plane",
      "LibvirtNetwork/default/public",
    ]);
  });

  it("the start line and other lines re-queue nothing; an overflow or a reconnect, everything", () => {
    assert.deepEqual(affected("watching 12 of 14 directories"), []);
    assert.deepEqual(affected("/etc/hostname"), []);
    assert.equal(affected(FILE_WATCH_OVERFLOW).length, onLab().length);
    assert.equal(affected(undefined).length, onLab().length);
  });

  it("a renamed user is a different command: the stream is replaced", () => {
    const argvOf = (objs: LabObject[]) =>
      typeof fileEvents.argv === "function" ? fileEvents.argv(objs) : fileEvents.argv;
    const renamed = { ...lab, spec: { ...lab.spec, user: { ...lab.spec.user, name: "stack" } } };
    const before = argvOf(onLab());
    const after = argvOf([renamed]);
    assert.notDeepEqual(before, after);
    assert.ok(after.includes(sudoersPath("stack")) && after.includes("/home/stack/.ssh/authorized_keys"));
  });
});
