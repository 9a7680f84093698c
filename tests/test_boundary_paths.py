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
    real_stat = boundary._regular_file

    def stat_then_grow(name: str, max_size: int):
        info = real_stat(name, max_size)
        with open(name, "ab") as handle:
            handle.write(b"y" * 200_000)  # written between the stat and the read
        return info

    monkeypatch.setattr(boundary, "_regular_file", stat_then_grow)
    assert open_limited(str(path), 10 * 1024 * 1024) == b"x" * 100 + b"y" * 200_000
    path.write_bytes(b"x" * 100)
    with pytest.raises(Refused, match="max-file-size"):
        open_limited(str(path), 150_000)


def test_remembered_reads_serve_a_file_read_whole_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_bytes(b"events {}\n")
    with boundary.remembered_reads():
        assert open_limited(str(path), 1 << 20, head=65536) == b"events {}\n"  # a sniff, read to its end
        os.unlink(path)
        path.write_bytes(b"http {}\n\n")  # another file now: new inode and size
        assert open_limited(str(path), 1 << 20) == b"http {}\n\n"
    assert boundary._remembered is None


def test_remembered_reads_never_widen_a_limit_or_keep_a_partial_read(tmp_path: Path) -> None:
    path = tmp_path / "big.conf"
    path.write_bytes(b"x" * 5000)
    with boundary.remembered_reads():
        assert open_limited(str(path), 1 << 20, head=100) == b"x" * 100  # partial: not kept
        assert open_limited(str(path), 1 << 20) == b"x" * 5000
        with pytest.raises(Refused, match="max-file-size"):
            open_limited(str(path), 4000)  # the size limit holds for a remembered file too
        assert open_limited(str(path), 1 << 20, head=10) == b"x" * 10


def test_remembered_reads_keep_no_more_than_the_budget(tmp_path: Path) -> None:
    first, second = tmp_path / "one.conf", tmp_path / "two.conf"
    first.write_bytes(b"a" * 600)
    second.write_bytes(b"b" * 600)
    with boundary.remembered_reads(budget=1000) as reads:
        open_limited(str(first), 1 << 20)
        open_limited(str(second), 1 << 20)
        assert list(reads.files) == [str(first)]
