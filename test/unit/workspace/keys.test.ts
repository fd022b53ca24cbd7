import { test } from "node:test";
import assert from "node:assert/strict";
import ssh2 from "ssh2";
import { generateKeyPair } from "../../../src/workspace/keys.js";

test("every generated ed25519 key pair parses back (ssh2 alone writes ~1 in 256 unreadable)", () => {
  for (let i = 0; i < 2000; i++) {
    const { privateKey, publicKey } = generateKeyPair("ed25519", "root@manager");
    const parsed = ssh2.utils.parseKey(privateKey);
    assert.ok(!(parsed instanceof Error), `pair ${i}: ${String(parsed)}`);
    const parsedPublic = ssh2.utils.parseKey(publicKey);
    assert.ok(!(parsedPublic instanceof Error), `pair ${i} public: ${String(parsedPublic)}`);
    assert.match(publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+ root@manager$/);
  }
});
