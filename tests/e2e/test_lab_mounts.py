"""The lab's rootfs cleanup never deletes under a mount point (fast suite, no root needed).

On a fresh machine a foreign-architecture debootstrap left its target's /proc mounted, and the
cleanup's rmtree then failed on /proc/stat; a bind-mounted /dev would have cost the host its
device nodes. lab.unmount_under unmounts first and refuses to go on while anything stays mounted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import lab

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
95 22 0:5 / /var/cache/rsdock-lab/rootfs-x/root/proc rw,relatime shared:40 - proc proc rw
96 95 0:6 / /var/cache/rsdock-lab/rootfs-x/root/proc/sys/fs/binfmt_misc rw - binfmt_misc b rw
97 22 0:7 / /var/cache/rsdock-lab/rootfs-x/root/dev/pts rw - devpts devpts rw
98 22 0:8 / /var/cache/rsdock-lab/rootfs-x/root2/proc rw - proc proc rw
99 22 0:9 / /var/cache/rsdock-lab/with\\040space/root/sys rw - sysfs sysfs rw
"""


def test_mounts_under_lists_the_deepest_first_and_only_below_root():
    got = lab.mounts_under(Path("/var/cache/rsdock-lab/rootfs-x/root"), MOUNTINFO)
    assert got[0] == Path("/var/cache/rsdock-lab/rootfs-x/root/proc/sys/fs/binfmt_misc")
    assert set(got) == {Path("/var/cache/rsdock-lab/rootfs-x/root/proc"),
                        Path("/var/cache/rsdock-lab/rootfs-x/root/proc/sys/fs/binfmt_misc"),
                        Path("/var/cache/rsdock-lab/rootfs-x/root/dev/pts")}
    # root2 shares the prefix "root" but is not below it.
    assert not any("root2" in str(p) for p in got)


def test_mounts_under_reads_the_kernels_octal_escapes():
    got = lab.mounts_under(Path("/var/cache/rsdock-lab/with space"), MOUNTINFO)
    assert got == [Path("/var/cache/rsdock-lab/with space/root/sys")]


def test_unmount_under_refuses_while_something_stays_mounted(monkeypatch):
    calls = []
    monkeypatch.setattr(lab, "mounts_under",
                        lambda root, mountinfo=None: [Path(root) / "proc"])
    monkeypatch.setattr(lab, "run", lambda cmd, **kw: calls.append(cmd) or
                        type("R", (), {"returncode": 32})())
    with pytest.raises(RuntimeError, match="still mounted.*not deleting"):
        lab.unmount_under(Path("/x/root"))
    assert calls == [["umount", "/x/root/proc"], ["umount", "--lazy", "/x/root/proc"]]


def test_make_images_skips_the_stand_ins_no_build_uses_unless_asked(monkeypatch, tmp_path):
    """alpine (musl runtimes) and busybox (trunk web apps) serve only cases the lab skips
    before building: a fresh machine's setup makes them only with --all-images."""
    built = []
    monkeypatch.setattr(lab, "rootfs_tarball", lambda suite, arch: tmp_path / f"{suite}-{arch}")
    monkeypatch.setattr(lab, "debian_image", lambda suite, platforms=lab.PLATFORMS: built.append(suite))
    monkeypatch.setattr(lab, "build_image", lambda ctx, repo, tags, platforms=lab.PLATFORMS:
                        built.append(repo))
    timings: dict = {}
    lab.make_images(timings=timings)
    assert built == ["bookworm", "trixie", "library/rust", "gcr.io/distroless/cc-debian12"]
    assert {"rootfs_seconds", "rust_seconds", "distroless_seconds"} <= set(timings)
    built.clear()
    lab.make_images(all_images=True)
    assert built[-2:] == ["library/alpine", "library/busybox"]
