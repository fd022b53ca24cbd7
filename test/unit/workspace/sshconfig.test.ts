import { test } from "node:test";
import assert from "node:assert/strict";
import { removeHostBlock, renderHostBlock, setHostBlock } from "../../../src/workspace/sshconfig.js";

const ctx = { knownHostsPath: "/ws/known_hosts" };
const manager = { alias: "manager-root", hostName: "10.0.0.5", user: "root", identityFile: "/ws/keys/root@manager" };
const tripleo = { alias: "tripleo", hostName: "192.168.122.50", user: "tripleo", identityFile: "/ws/keys/tripleo@tripleo", proxyJump: "manager-root" };

test("a block carries strict host checking, our key only and our known_hosts", () => {
  const block = renderHostBlock(tripleo, ctx);
  for (const line of [
    "Host tripleo",
    "  HostName 192.168.122.50",
    "  User tripleo",
    "  Port 22",
    "  IdentityFile /ws/keys/tripleo@tripleo",
    "  IdentitiesOnly yes",
    "  UserKnownHostsFile /ws/known_hosts",
    "  StrictHostKeyChecking yes",
    "  ProxyJump manager-root",
  ]) {
    assert.ok(block.split("\n").includes(line), line);
  }
});

test("setting a block twice replaces it in place, other content untouched", () => {
  const start = "# user's own\nHost personal\n  User me\n";
  let text = setHostBlock(start, manager, ctx);
  text = setHostBlock(text, tripleo, ctx);
  text = setHostBlock(text, { ...manager, hostName: "10.0.0.6" }, ctx);
  text = setHostBlock(text, { ...manager, hostName: "10.0.0.6" }, ctx);
  assert.equal(text.split("\n").filter((l) => l === "Host manager-root").length, 1);
  assert.ok(text.includes("HostName 10.0.0.6"));
  assert.ok(!text.includes("HostName 10.0.0.5"));
  assert.ok(text.startsWith(start));
  assert.ok(text.indexOf("Host manager-root") < text.indexOf("Host tripleo"), "replaced where it was");
});

test("removing a block removes every copy and only that block", () => {
  const one = renderHostBlock(manager, ctx);
  const text = one + "\n" + renderHostBlock(tripleo, ctx) + "\n" + one;
  const removed = removeHostBlock(text, "manager-root");
  assert.ok(!removed.includes("Host manager-root"));
  assert.ok(!removed.includes("# BEGIN labctl manager-root"));
  assert.ok(removed.includes("Host tripleo"));
});

test("values that could inject config lines are refused; paths with spaces are quoted", () => {
  assert.throws(() => renderHostBlock({ ...manager, hostName: "x\n  ProxyCommand evil" }, ctx), TypeError);
  assert.throws(() => renderHostBlock({ ...manager, alias: "a b" }, ctx), TypeError);
  assert.throws(() => renderHostBlock({ ...manager, identityFile: 'a"b' }, ctx), TypeError);
  assert.ok(renderHostBlock({ ...manager, identityFile: "/my ws/key" }, ctx).includes('IdentityFile "/my ws/key"'));
});
