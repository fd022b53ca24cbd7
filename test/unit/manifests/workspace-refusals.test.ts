// What validate accepts, the workspace must accept later: for any names the schemas allow
// (domain names, object names, namespaces, users), either validate refuses the lab, or every
// ssh.config block and workspace file name the operator derives from it is accepted by
// src/workspace (renderHostBlock, checkLogin, checkOwner). Before, a domainName starting with
// '_' passed validate and was refused mid-reconcile, after the VM was made.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  domainNameOf,
  managerRootAlias,
  sshAliasesOf,
  type LabManager,
  type TripleOUndercloud,
} from "../../../src/api/index.js";
import {
  crossValidate,
  formatError,
  loadManifests,
  type LoadedObject,
} from "../../../src/manifests/index.js";
import { renderHostBlock } from "../../../src/workspace/sshconfig.js";
import type { SecretRole } from "../../../src/workspace/types.js";
import { Workspace } from "../../../src/workspace/workspace.js";
import { KIND_INFO } from "../../../src/api/index.js";

const manifestsDir = fileURLToPath(new URL("../../../manifests/", import.meta.url));
let example: LoadedObject[] = [];

before(async () => {
  const loaded = await loadManifests([manifestsDir]);
  assert.deepEqual(loaded.errors, []);
  // The Manager, its networks and the VM: the OvercloudNodeSet's names are not varied here.
  example = loaded.objects.filter((o) => o.object.kind !== "OvercloudNodeSet");
});

const ws = new Workspace("/nonexistent/workspace");
const ctx = { knownHostsPath: "/nonexistent/workspace/known_hosts" };

/** Everything src/workspace would be asked for the Manager and VM: throws what it would refuse. */
function workspaceUse(m: LabManager, uc: TripleOUndercloud): void {
  const [root, user] = sshAliasesOf(m);
  const owner = (o: LabManager | TripleOUndercloud) => ({
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  });
  for (const alias of [root!, user!])
    renderHostBlock({ alias: alias.alias, hostName: m.spec.address, user: "root", identityFile: "/k" }, ctx);
  for (const role of ["login", "user"] as SecretRole[]) ws.keyPathFor(owner(m), role);
  for (const role of ["guest", "host", "bmc"] as SecretRole[]) ws.keyPathFor(owner(uc), role);
  const vm = sshAliasesOf(uc)[0]!.alias;
  renderHostBlock(
    {
      alias: vm,
      hostName: "192.168.122.10",
      user: uc.spec.cloudInit.user,
      identityFile: "/k",
      proxyJump: managerRootAlias(m),
      hostKeyAlias: vm,
    },
    ctx,
  );
  if (uc.metadata.namespace === "default") {
    // The logins file mode adopts old key and password files by.
    const domain = domainNameOf(uc);
    for (const login of [`${uc.spec.cloudInit.user}@${domain}`, `host@${domain}`, `bmc@${domain}`])
      ws.privateKeyPath(login);
    for (const login of [`${m.spec.ssh.user}@${m.metadata.name}`, `${m.spec.user.name}@${m.metadata.name}`])
      ws.privateKeyPath(login);
  }
}

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const posixUser = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,10}$/);

describe("names validate accepts are names the workspace accepts", () => {
  it("holds for any domain name, object names, namespace and users the schemas allow", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
        dnsLabel,
        dnsLabel,
        fc.constantFrom("default", "lab-a"),
        posixUser,
        posixUser,
        (domainName, managerName, vmName, namespace, sshUser, guestUser) => {
          const objects = structuredClone(example);
          for (const o of objects) {
            o.object.metadata.namespace = namespace;
            if (o.object.kind === "LabManager") o.object.metadata.name = managerName;
            else o.object.spec.managerRef.name = managerName;
          }
          const m = objects.find((o) => o.object.kind === "LabManager")!.object as LabManager;
          const uc = objects.find((o) => o.object.kind === "TripleOUndercloud")!.object as TripleOUndercloud;
          m.spec.ssh.user = sshUser;
          uc.metadata.name = vmName;
          uc.spec.cloudInit.user = guestUser;
          if (domainName === undefined) delete uc.spec.domainName;
          else uc.spec.domainName = domainName;
          // The schemas first (what decode would refuse), then the cross-object checks.
          const schemaOk = objects.every((o) => KIND_INFO[o.object.kind].schema.safeParse(o.object).success);
          if (!schemaOk || crossValidate(objects).length > 0) return;
          accepted += 1;
          try {
            workspaceUse(m, uc);
          } catch (err) {
            const lines = crossValidate(objects).map(formatError);
            assert.fail(
              `validate accepted the lab, the workspace refuses: ${(err as Error).message} ${lines}`,
            );
          }
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(accepted > 200, `only ${accepted} of 400 labs were valid: the property was hardly tried`);
  });
});
