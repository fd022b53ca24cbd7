import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha512Crypt } from "../../../../src/steps/undercloud/password-hash.js";

describe("the seed's password hash (SHA-512 crypt)", () => {
  it("matches the specification's test vector", () => {
    assert.equal(
      sha512Crypt("Hello world!", "saltstring"),
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    );
  });

  it("matches openssl passwd -6 for a long non-ASCII password", () => {
    // `openssl passwd -6 -salt abc '<this password>'` on Debian 12 (OpenSSL 3.0).
    assert.equal(
      sha512Crypt("a long password with ünïcode éé and more than 64 bytes in total ........", "abc"),
      "$6$abc$WQ2XPkOV3X1TvizdrimHteI3P00lf5klckGE9EN312Z9SFwbptBIaexSaCAvXLIbfnmGHDV1Fp1Bt65Qcz1Ec/",
    );
  });

  it("uses a fresh 16-character salt by default and never contains the password", () => {
    const a = sha512Crypt("secret-password");
    const b = sha512Crypt("secret-password");
    assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes("secret"));
  });

  it("refuses a salt crypt(3) would not accept", () => {
    assert.throws(() => sha512Crypt("x", "bad$salt"), /salt must be/);
  });
});
