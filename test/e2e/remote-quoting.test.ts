import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { SshHost } from "../../src/remote/host.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";
import { createUser, type TestUser } from "./support/users.js";

const nastyPieces = fc.constantFrom(
  "'",
  '"',
  "$(id)",
  "$(",
  ")",
  "`id`",
  "`",
  "\n",
  "\\",
  "\\'",
  "$HOME",
  "${IFS}",
  " ",
  "*",
  "?",
  "[a]",
  ";",
  "&&",
  "|",
  "&",
  ">",
  "<",
  "é",
  "😀",
  "\t",
  "\r",
  "!",
  "#",
  "~",
  "%s",
  "%%",
  "-n",
  "--",
  "-e",
  "\u00a0",
  "\u202e",
  "{a,b}",
);

/** Strings that survive UTF-8 (no lone surrogates) and C strings (no NUL). */
const transportable = (s: string) => !s.includes("\0") && Buffer.from(s, "utf8").toString("utf8") === s;

const argument = fc
  .oneof(
    fc.array(nastyPieces, { maxLength: 12 }).map((parts) => parts.join("")),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ maxLength: 40 }),
  )
  .filter(transportable);

describe("quoting over real ssh (property)", () => {
  let fx: RemoteFixture;
  let host: SshHost;
  let user: TestUser;

  before(async () => {
    fx = await remoteFixture();
    user = createUser("lqt"); // a plain login with a light shell profile keeps 25 round trips fast
    fx.sshd.authorize(user.name, fx.key.public);
    host = fx.pool.host(fx.target(user.name));
  });
  after(async () => {
    await fx.close();
    user.remove();
  });

  test("thousands of hostile strings come back byte for byte through printf %s", async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(argument, { minLength: 80, maxLength: 100 }), async (batch) => {
        const { stdout } = await host.exec(["printf", "%s\\0", ...batch], { purpose: "echo arguments" });
        const echoed = stdout.split("\0").slice(0, -1);
        assert.deepEqual(echoed, batch);
        checked += batch.length;
      }),
      { numRuns: 25 },
    );
    assert.ok(checked >= 2000, `checked ${checked} strings`);
  });
});
