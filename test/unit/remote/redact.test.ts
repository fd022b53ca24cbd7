import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import fc from "fast-check";
import { CommandFailed } from "../../../src/remote/errors.js";
import {
  forgetSecrets,
  Redactor,
  redactLine,
  redactLines,
  redactText,
  rememberSecret,
} from "../../../src/remote/redact.js";

/** [what a host printed, what may be kept]: only the value goes, the text stays useful. */
const CASES: Array<[string, string]> = [
  ["export OS_PASSWORD=hunter2", "export OS_PASSWORD=[redacted]"],
  ['{"admin_password": "s3cr3t", "user": "x"}', '{"admin_password": "[redacted]", "user": "x"}'],
  ['{"admin_password": 12345, "user": "x"}', '{"admin_password": [redacted], "user": "x"}'],
  ["vbmc add vm --password hunter2 --port 6230", "vbmc add vm --password [redacted] --port 6230"],
  ["token: abc.def", "token: [redacted]"],
  ["fetch https://bob:pa55@mirror.example/x failed", "fetch https://bob:[redacted]@mirror.example/x failed"],
  ["chpasswd: password=hunter2 rejected", "chpasswd: password=[redacted] rejected"],
  // TripleO's passwords files: YAML, ini, shell
  ["  AdminPassword: xAdmin1", "  AdminPassword: [redacted]"],
  ["MysqlRootPassword=xMysql2 OS_PASSWORD=two", "MysqlRootPassword=[redacted] OS_PASSWORD=[redacted]"],
  ["undercloud_admin_password = x spaced 3", "undercloud_admin_password = [redacted]"],
  ["  KeystoneAdminToken: 'x single 9'", "  KeystoneAdminToken: '[redacted]'"],
  ['password: "a b c"', 'password: "[redacted]"'],
  ["db.password = a b", "db.password = [redacted]"],
  ["X-Auth-Token: gAAAAAB", "X-Auth-Token: [redacted]"],
  // tools' flags
  [
    "ipmitool -I lanplus -H 10.0.0.1 -U admin -P xIpmi5 power status",
    "ipmitool -I lanplus -H 10.0.0.1 -U admin -P [redacted] power status",
  ],
  ["curl -u admin:xCurl6 https://x", "curl -u admin:[redacted] https://x"],
  ["curl --user 'admin:x curl 6' https://x", "curl --user 'admin:[redacted]' https://x"],
  ["mysql -uroot -pS3cret -e 'select 1'", "mysql -uroot -p[redacted] -e 'select 1'"],
  ["sshpass -p 'a b' ssh host", "sshpass -p '[redacted]' ssh host"],
  ["openstack --os-password x1y2 token issue", "openstack --os-password [redacted] token issue"],
  ["Authorization: Bearer xBearer7", "Authorization: Bearer [redacted]"],
  ['curl -H "Authorization: Basic dXNlcjpwYXNz"', 'curl -H "Authorization: Basic [redacted]'],
  // left alone: messages, not values
  ["error: network 'default' is not active", "error: network 'default' is not active"],
  ["[sudo] password for stack: ", "[sudo] password for stack: "],
  ["Permission denied (publickey,password).", "Permission denied (publickey,password)."],
  ["passwd: Authentication token manipulation error", "passwd: Authentication token manipulation error"],
  ["top-secret stuff here", "top-secret stuff here"],
  ["sudo -u stack openstack server list", "sudo -u stack openstack server list"],
];

describe("redacting what a host printed", () => {
  afterEach(forgetSecrets);

  it("hides the value of every usual secret shape, keeping the rest of the message", () => {
    for (const [line, kept] of CASES) assert.equal(redactLine(line), kept, line);
  });

  it("drops private key blocks and bare base64 runs, also across the lines of one stream", () => {
    const lines = [
      "before",
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
      "-----END OPENSSH PRIVATE KEY-----",
      "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      "after",
    ];
    const kept = ["before", "[redacted]", "[redacted]", "[redacted]", "[redacted]", "after"];
    assert.deepEqual(redactLines(lines), kept);
    const r = new Redactor();
    assert.deepEqual(
      lines.map((l) => r.line(l)),
      kept,
    );
    assert.equal(redactText(`${lines.join("\r\n")}\r\n`), `${kept.join("\r\n")}\r\n`);
  });

  it("a secret the operator knows is redacted wherever it appears, in any shape", () => {
    rememberSecret("Gu3stPassw0rdXyz");
    rememberSecret("abc"); // too short to search for: words would go
    assert.equal(
      redactLine("login as stack with Gu3stPassw0rdXyz failed"),
      "login as stack with [redacted] failed",
    );
    assert.equal(redactLine("x=Gu3stPassw0rdXyz;y"), "x=[redacted];y");
    assert.equal(redactLine("abc def"), "abc def");
    rememberSecret("with spaces inside");
    assert.equal(redactLine("X=with spaces inside"), "X=[redacted]");
    rememberSecret("Password");
    // a secret that is part of a key goes too, but only after the key's value has gone
    assert.equal(redactLine("  AdminPassword: Val1d8"), "  Admin[redacted]: [redacted]");
    assert.equal(redactLine("the Password is here"), "the [redacted] is here");
  });

  it("a remembered secret never survives, whatever text surrounds it (property)", () => {
    const secret = "Xk3-9Qw_ZtP0aa";
    rememberSecret(secret);
    const text = fc.string({ unit: fc.constantFrom(..."ab =:\"'-_/@,;#\t"), maxLength: 12 });
    fc.assert(
      fc.property(text, text, (before, after) => {
        const out = redactText(`${before}${secret}${after}\n${after}${secret}`);
        return !out.includes(secret);
      }),
    );
  });

  it("a value of any characters after a secret key never survives (property)", () => {
    const keys = ["AdminPassword", "OS_PASSWORD", "undercloud_admin_password", "api_key", "auth-token"];
    const value = fc
      .stringMatching(/^[!-~][ -~]{0,30}$/)
      .filter((v) => !/["']/.test(v[0]!) && v.trim() === v);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.constantFrom(": ", " = ", "="), value, (key, sep, v) => {
        const secret = sep === "=" ? v.split(" ")[0]! : v;
        fc.pre(secret.length >= 4 && !"[redacted]".includes(secret));
        const out = redactLine(`${key}${sep}${v}`);
        return !out.includes(secret) && out.startsWith(`${key}${sep}[redacted]`);
      }),
    );
  });

  it("CommandFailed carries the tail it is given (exec redacted it as it arrived)", () => {
    const err = new CommandFailed("set the manager password", 1, ["chpasswd: rejected"]);
    assert.deepEqual(err.stderrTail, ["chpasswd: rejected"]);
    assert.match(err.message, /^set the manager password exited 1: chpasswd: rejected$/);
  });
});
