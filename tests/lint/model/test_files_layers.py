"""The RUN simulation's copy-on-write file layers: each layer reads as the dict it stands for
(every write and delete of its own over what it was built on), however many layers are stacked,
merged or forked, and a layer never sees what is written above it."""

from __future__ import annotations

import random

from rsdock.lint.model.shell import Files, simulate


def test_a_long_chain_of_layers_reads_as_a_dict_at_every_step():
    rng = random.Random(11)
    layer, expected = Files({"/base": "b"}), {"/base": "b"}
    snapshots = []
    for step in range(3000):
        layer = layer.child() if step % 2 else Files(layer)
        for _ in range(rng.randint(0, 3)):
            path = f"/f{rng.randint(0, 200)}"
            if rng.random() < 0.25 and path in expected:
                del layer[path]
                del expected[path]
            else:
                layer[path] = expected[path] = f"{step}"
        if step % 97 == 0:
            snapshots.append((layer, dict(expected)))
        if step % 250 == 0:
            assert dict(layer.items()) == expected
    assert dict(layer.items()) == expected
    assert len(layer) == len(expected) and sorted(layer) == sorted(expected)
    for path in ("/base", "/f1", "/nowhere"):
        assert layer.get(path) == expected.get(path)
    # every earlier layer still reads as it was, though later ones were merged over copies
    for old, seen in snapshots:
        assert dict(old.items()) == seen


def test_forked_paths_do_not_see_each_other():
    base = Files({"/a": "1"})
    left, right = base.child(), base.child()
    left["/l"] = "L"
    del right["/a"]
    for _ in range(40):  # deep enough for merges on both sides
        left, right = left.child(), right.child()
    assert dict(left.items()) == {"/a": "1", "/l": "L"}
    assert dict(right.items()) == {}
    assert dict(base.items()) == {"/a": "1"}


def test_files_written_by_earlier_steps_reach_later_ones():
    script = "\n".join(f"echo v{i} > /o{i}" for i in range(100)) + "\n"
    (outcome,) = simulate(script)
    assert outcome.files["/o99"] == "v99\n"
    assert outcome.files.get("/o3") == "v3\n"
