"""The boundary's memoized real paths and its reads agree with the operating system.

`Boundary.real` composes a file's real path from its directory's (one lstat per file
instead of one per component) and `open_limited` reads with os.read into a buffer of the
file's size. Both are shortcuts of something Python already does; these tests hold them
to it on trees full of the cases that make shortcuts wrong: symlinked directories,
links to links, dangling and looping links, `..`, names that are files used as
directories, and files that grow between the stat and the read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nglint import boundary
from nglint.boundary import Boundary, Refused, open_limited


def _tricky_tree(root: Path) -> list[str]:
    """A tree of real directories and every kind of link, and the paths to ask about."""
    (root / "real" / "deep").mkdir(parents=True)
    (root / "real" / "deep" / "a.conf").write_text("a;\n")
    (root / "real" / "b.conf").write_text("b;\n")
    (root / "outside").mkdir()
    (root / "outside" / "secret.conf").write_text("s;\n")
    os.symlink(root / "real", root / "linkdir")  # a symlinked directory
    os.symlink("linkdir", root / "linkdir2")  # a relative link to a link
    os.symlink(root / "real" / "b.conf", root / "real" / "deep" / "to_b.conf")
    os.symlink("../../outside/secret.conf", root / "real" / "deep" / "escape.conf")
    os.symlink(root / "nowhere", root / "real" / "dangling.conf")
    os.symlink("loop2", root / "real" / "loop1")
    os.symlink("loop1", root / "real" / "loop2")
    os.symlink("..", root / "real" / "deep" / "up")
    names = [
        "real/b.conf", "real/deep/a.conf", "real/missing.conf", "real/deep/to_b.conf",
        "real/deep/escape.conf", "real/dangling.conf", "real/loop1", "real/loop1/x.conf",
        "linkdir/b.conf", "linkdir2/deep/a.conf", "linkdir/deep/up/b.conf", "real/b.conf/not_a_dir",
        "real/deep/../b.conf", "real//b.conf", "real/./b.conf", "linkdir/deep/../deep/a.conf",
        "real/deep", "real", "",
    ]
    return [str(root / name) if name else str(root) for name in names] + ["/", "relative/x.conf"]


def test_real_matches_os_realpath_on_every_kind_of_path(tmp_path: Path) -> None:
    paths = _tricky_tree(tmp_path)
    tree = Boundary([str(tmp_path / "real")])
    for _ in range(2):  # the second round answers from the memo
        for path in paths:
            assert tree.real(path) == os.path.realpath(path), path


def test_a_nul_byte_is_unresolvable(tmp_path: Path) -> None:
    tree = Boundary([str(tmp_path)])
    assert tree.real(str(tmp_path / "a\0b.conf")) is None
    assert not tree.contains(str(tmp_path / "a\0b.conf"))


def test_containment_follows_links_through_memoized_directories(tmp_path: Path) -> None:
    _tricky_tree(tmp_path)
    tree = Boundary([str(tmp_path / "real")])
    assert tree.contains(str(tmp_path / "real" / "b.conf"))
    assert tree.contains(str(tmp_path / "real" / "deep" / "to_b.conf"))
    assert not tree.contains(str(tmp_path / "real" / "deep" / "escape.conf"))
    # Through a symlinked directory outside the root's name but inside its real path.
    assert tree.contains(str(tmp_path / "linkdir" / "deep" / "a.conf"))
    assert not tree.contains(str(tmp_path / "outside" / "secret.conf"))


_SEGMENTS = st.sampled_from(["real", "deep", "linkdir", "linkdir2", "up", "..", ".", "", "b.conf", "a.conf", "loop1", "zzz"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_SEGMENTS, min_size=1, max_size=6))
def test_real_matches_os_realpath_on_generated_paths(tmp_path_factory, parts: list[str]) -> None:
    root = tmp_path_factory.getbasetemp() / "generated-tree"
    if not root.exists():
        root.mkdir()
        _tricky_tree(root)
    path = os.path.join(str(root), *parts)
    assert Boundary([str(root / "real")]).real(path) == os.path.realpath(path)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65535, 65536, 65537, 300_000])
def test_open_limited_reads_every_size_whole(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    path = tmp_path / "f.conf"
    path.write_bytes(data)
    assert open_limited(str(path), 10 * 1024 * 1024) == data
    assert open_limited(str(path), 10 * 1024 * 1024, head=1000) == data[:1000]
    if size:
        with pytest.raises(Refused):
            open_limited(str(path), size - 1)


def test_a_file_that_grows_after_the_stat_is_read_on_and_held_to_the_limit(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "growing.conf"
    path.write_bytes(b"x" * 100)
    real_size = boundary.regular_file_size

    def stat_then_grow(name: str, max_size: int) -> int:
        size = real_size(name, max_size)
        with open(name, "ab") as handle:
            handle.write(b"y" * 200_000)  # written between the stat and the read
        return size

    monkeypatch.setattr(boundary, "regular_file_size", stat_then_grow)
    assert open_limited(str(path), 10 * 1024 * 1024) == b"x" * 100 + b"y" * 200_000
    path.write_bytes(b"x" * 100)
    with pytest.raises(Refused, match="max-file-size"):
        open_limited(str(path), 150_000)
