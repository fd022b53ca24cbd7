/**
 * Deletion re-checks the stamp of what it removes: NETWORK_CTL with a guard, run for real by
 * bash with a stand-in virsh on PATH (no libvirt in unit tests), refuses to destroy or
 * undefine a network that is unstamped (unless adopted) or stamped by another object.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { NETWORK_CTL } from "../../../../src/steps/network/steps.js";

const dir = mkdtempSync(join(tmpdir(), "net-guard-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, "virsh.log");
const ours = `kind="LibvirtNetwork" namespace="default" name="public"`;

function ctl(
  op: string,
  stamp: string | undefined,
  guard: string[],
  dumped?: string,
): { code: number; calls: string } {
  const owner = stamp ? `<lab:owner xmlns:lab="https://openstacklab.io/ownership" ${stamp}/>` : "";
  const xml = `<network>\n  <name>public</name>\n  <metadata>\n    ${owner}\n  </metadata>\n</network>`;
  writeFileSync(join(dir, "net.xml"), dumped ?? xml);
  writeFileSync(log, "");
  writeFileSync(
    join(dir, "virsh"),
    `#!/bin/bash
echo "$*" >>${JSON.stringify(log)}
case " $* " in
  *" net-info "*) printf 'Name: public\\nActive: yes\\n' ;;
  *" net-dumpxml "*) cat ${JSON.stringify(join(dir, "net.xml"))} ;;
esac
exit 0`,
  );
  chmodSync(join(dir, "virsh"), 0o755);
  let code = 0;
  try {
    execFileSync("bash", ["-c", NETWORK_CTL, "x", "qemu:///system", op, "public", ...guard], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      stdio: "pipe",
    });
  } catch (e) {
    code = (e as { status?: number }).status ?? -1;
  }
  return { code, calls: readFileSync(log, "utf8") };
}

const guard = (adopt = "") => ["LibvirtNetwork", "default", "public", adopt];

describe("network removal re-checks the stamp on the Manager", () => {
  it("undefines and destroys a network stamped by this object", () => {
    for (const op of ["undefine", "destroy"]) {
      const r = ctl(op, ours, guard());
      assert.equal(r.code, 0);
      assert.match(r.calls, new RegExp(`net-${op} --network public`));
    }
  });

  it("refuses one stamped by another object, even with adopt", () => {
    for (const adopt of ["", "adopt"]) {
      const r = ctl("undefine", `kind="LibvirtNetwork" namespace="other" name="public"`, guard(adopt));
      assert.equal(r.code, 6);
      assert.doesNotMatch(r.calls, /net-undefine/);
    }
  });

  it("refuses an unstamped network unless adopted", () => {
    assert.equal(ctl("destroy", undefined, guard()).code, 6);
    assert.doesNotMatch(ctl("destroy", undefined, guard()).calls, /net-destroy/);
    const adopted = ctl("destroy", undefined, guard("adopt"));
    assert.equal(adopted.code, 0);
    assert.match(adopted.calls, /net-destroy --network public/);
  });

  it("reads the stamp as libvirt prints it (net-dumpxml of a network we defined)", () => {
    const real = readFileSync(new URL("./fixtures/hypervisor-control-plane.xml", import.meta.url), "utf8");
    const g = ["LibvirtNetwork", "default", "hypervisor-control-plane", ""];
    assert.equal(ctl("undefine", undefined, g, real).code, 0);
    assert.equal(ctl("undefine", undefined, ["LibvirtNetwork", "default", "hypervisor", ""], real).code, 6);
  });

  it("acts without a guard as before (converge steps already checked ownership)", () => {
    assert.match(ctl("destroy", undefined, []).calls, /net-destroy/);
  });
});
