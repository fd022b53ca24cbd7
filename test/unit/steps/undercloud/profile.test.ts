import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  guestProfile,
  loadGuestProfile,
  renderProfile,
  type GuestAction,
} from "../../../../src/steps/undercloud/profile.js";
import { guestVariables, homeOf } from "../../../../src/steps/undercloud/variables.js";
import { spec } from "./support.js";

const who = { user: "tripleo", home: homeOf("tripleo"), fqdn: "tripleo.localdomain" };

function summary(a: GuestAction): string {
  switch (a.kind) {
    case "run":
      return `${a.sudo ? "sudo " : ""}${a.argv[0] === "bash" ? `bash-script ${a.argv.slice(3).join(" ")}` : a.argv.join(" ")}`;
    case "upload":
      return `upload ${a.file} ${a.path} ${a.mode.toString(8)}`;
    case "shell-rc":
      return `shell-rc ${a.path}`;
    case "reboot":
      return "reboot";
    case "container-file":
      return `container-file ${a.container} ${a.path}`;
  }
}

// No CentOS guest can run here: these tests pin what the profile WOULD run, not that it works.
describe("the centos-tripleo guest profile", () => {
  it("renders the seed's sequence for the default spec", () => {
    const rendered = renderProfile(loadGuestProfile("centos-tripleo"), guestVariables(spec(), who));
    assert.deepEqual(
      rendered.phases.map((p) => [p.phase, p.actions.map(summary)]),
      [
        [
          "packages",
          [
            "sudo yum -y update",
            "sudo yum -y install bash-completion wget vim",
            "sudo bash-script tripleo-repos-install  https://trunk.rdoproject.org/centos7/current/",
            "sudo tripleo-repos -b train current ceph",
            "sudo yum -y install python-tripleoclient ceph-ansible",
            "shell-rc /home/tripleo/.bashrc",
            "reboot",
          ],
        ],
        [
          "configured",
          [
            "upload undercloud.conf /home/tripleo/undercloud.conf 600",
            "openstack tripleo container image prepare default --output-env-file /home/tripleo/undercloud/container-images.yaml",
          ],
        ],
        ["installed", ["openstack undercloud install"]],
        ["postInstalled", []],
      ],
    );
    assert.deepEqual(rendered.fetch, [
      "/home/tripleo/install-undercloud.log",
      // Where the chapter reads them: /home/tripleo/undercloud/ (output_dir).
      "/home/tripleo/undercloud/undercloud-passwords.conf",
      "/home/tripleo/undercloud/container-images.yaml",
      "/var/log/containers/",
    ]);
  });

  it("follows the spec: no upgrade, a pinned repos package, tag pins, no install", () => {
    const s = spec({
      tripleo: {
        release: "ussuri",
        upgrade: false,
        install: false,
        repositories: {
          packageUrl: "https://example.org/python3-tripleo-repos-1.0.noarch.rpm",
          components: ["current"],
        },
        containerImageTags: { tag: "tested-1", cephTag: "v4.0.1" },
      },
    });
    const rendered = renderProfile(loadGuestProfile("centos-tripleo"), guestVariables(s, who));
    const all = rendered.phases.flatMap((p) => p.actions);
    assert.ok(!all.some((a) => a.kind === "run" && a.argv.join(" ") === "yum -y update"));
    assert.ok(all.some((a) => a.kind === "run" && a.argv.join(" ") === "tripleo-repos -b ussuri current"));
    const repos = all.find((a) => a.kind === "run" && a.argv[3] === "tripleo-repos-install");
    assert.equal(
      repos?.kind === "run" ? repos.argv[4] : undefined,
      "https://example.org/python3-tripleo-repos-1.0.noarch.rpm",
    );
    const pins = all
      .filter((a) => a.kind === "run" && a.argv[0] === "sed")
      .map((a) => (a.kind === "run" ? a.argv[3] : ""));
    assert.deepEqual(pins, [
      "s/^([[:space:]]*tag:).*/\\1 tested-1/",
      "s/^([[:space:]]*ceph_tag:).*/\\1 v4.0.1/",
    ]);
    assert.deepEqual(rendered.phases.find((p) => p.phase === "installed")?.actions, []);
  });

  it("keeps each value one argument, even with spaces or shell characters", () => {
    const s = spec({ tripleo: { packages: ["a"], utilities: ["vim"] } });
    const vars = guestVariables(s, { ...who, home: "/home/x y;rm -rf /" });
    const rendered = renderProfile(loadGuestProfile("centos-tripleo"), vars);
    const upload = rendered.phases.flatMap((p) => p.actions).find((a) => a.kind === "upload");
    assert.equal(upload?.kind === "upload" ? upload.path : "", "/home/x y;rm -rf //undercloud.conf");
  });
});

describe("guest profiles as data", () => {
  it("loads the debian-test profile with the same phases as centos-tripleo", () => {
    const phases = (name: string): string[] => loadGuestProfile(name).phases.map((p) => p.phase);
    assert.deepEqual(phases("debian-test"), phases("centos-tripleo"));
  });

  // With a real non-root user (the cloud-init test guest), a file a root step creates in the
  // home is one the user's own later steps cannot append to (the uid-0 imitation hid this).
  for (const name of ["debian-test", "centos-tripleo"]) {
    it(`${name}: no step run with sudo writes into the login user's home`, () => {
      const rendered = renderProfile(loadGuestProfile(name), guestVariables(spec(), who));
      const rootWrites = rendered.phases
        .flatMap((p) => p.actions)
        .filter((a) => a.kind === "run" && a.sudo && a.argv.some((arg) => arg.startsWith(`${who.home}/`)));
      assert.deepEqual(rootWrites.map(summary), []);
    });
  }

  it("refuses an unknown variable instead of running a command with a hole in it", () => {
    const profile = guestProfile.parse({
      name: "x",
      description: "",
      phases: [{ phase: "packages", steps: [{ purpose: "p", run: ["echo", "{{nope}}"] }] }],
    });
    assert.throws(() => renderProfile(profile, guestVariables(spec(), who)), /unknown variable \{\{nope\}\}/);
  });

  it("refuses a step of unknown shape", () => {
    assert.throws(() =>
      guestProfile.parse({
        name: "x",
        description: "",
        phases: [{ phase: "packages", steps: [{ purpose: "p", shell: "rm -rf /" }] }],
      }),
    );
  });
});
