"""primaryLocationLineHash must equal what github/codeql-action computes.

The vectors below are the inputs and expected hashes published in codeql-action's
`src/fingerprints.test.ts`; they are facts about the algorithm, so matching them is
the proof that GitHub will not see inconsistent fingerprints from nglint.
"""

from __future__ import annotations

import re

import pytest

from nglint.fingerprint import FingerprintCache, line_hashes

EMPTY_LINE_AT_EOF = "c129715d7a2bc9a3:1"
HELLO_WITH_TRAILING_NEWLINE = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    EMPTY_LINE_AT_EOF,
]

CODEQL_ACTION_VECTORS = [
    ("", [EMPTY_LINE_AT_EOF]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", HELLO_WITH_TRAILING_NEWLINE),
    (" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", HELLO_WITH_TRAILING_NEWLINE),
    (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", HELLO_WITH_TRAILING_NEWLINE),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", HELLO_WITH_TRAILING_NEWLINE),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            EMPTY_LINE_AT_EOF,
        ],
    ),
    (
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            EMPTY_LINE_AT_EOF,
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CODEQL_ACTION_VECTORS)
def test_codeql_action_published_vectors(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert hashes == expected
    # One hash per line as codeql-action counts lines (its test asserts the same).
    assert len(hashes) == len(re.split(r"\r\n|\r|\n", text))


@pytest.mark.parametrize(("text", "expected"), CODEQL_ACTION_VECTORS)
def test_vectors_through_a_real_file(tmp_path, text: str, expected: list[str]) -> None:
    """The file path used by the SARIF reporter reads bytes and must not alter line endings."""
    path = tmp_path / "conf"
    path.write_bytes(text.encode("utf-8"))
    cache = FingerprintCache()
    for line, value in enumerate(expected, start=1):
        assert cache.primary_location_line_hash(str(path), line) == value
    assert cache.primary_location_line_hash(str(path), len(expected) + 1) is None
    assert cache.primary_location_line_hash(str(path), 0) is None


def test_indentation_does_not_change_the_hash() -> None:
    """Re-indenting a config keeps alerts matched, because spaces and tabs are skipped."""
    assert line_hashes("server {\n    listen 80;\n}\n") == line_hashes("server {\n\tlisten 80;\n}\n")
    assert line_hashes("a\n") != line_hashes("b\n")


def test_hash_depends_only_on_the_line_and_what_follows() -> None:
    """Inserting lines above a finding must not change its fingerprint (alert tracking)."""
    tail = "keepalive_timeout 75s;\n}\n"
    before = line_hashes("http {\n" + tail)
    after = line_hashes("http {\n# a new comment\nserver_tokens off;\n" + tail)
    assert before[1:] == after[3:]


def test_astral_characters_count_as_two_utf16_units() -> None:
    """JavaScript walks UTF-16; an emoji and its surrogate pair must hash identically."""
    assert line_hashes("# \U0001F600\n") == line_hashes("# \ud83d\ude00\n")
    assert line_hashes("# \U0001F600\n") != line_hashes("# \ue000\n")


def test_bom_is_hashed_like_node_reads_it(tmp_path) -> None:
    """Node's utf8 stream keeps U+FEFF, so the first line's hash includes it."""
    path = tmp_path / "bom.conf"
    path.write_bytes(b"\xef\xbb\xbfuser nginx;\n")
    cache = FingerprintCache()
    assert cache.primary_location_line_hash(str(path), 1) == line_hashes("\ufeffuser nginx;\n")[0]
    assert cache.primary_location_line_hash(str(path), 1) != line_hashes("user nginx;\n")[0]


def test_unreadable_file_has_no_fingerprint(tmp_path) -> None:
    assert FingerprintCache().primary_location_line_hash(str(tmp_path / "missing.conf"), 1) is None


def test_one_hash_per_line_for_any_text() -> None:
    """Whatever the text (line endings, astral characters, blanks), hashes map 1:1 to lines."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(["a", "b", " ", "\t", "\n", "\r", "\r\n", "{", ";", "\u00e9", "\U0001F600"])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(alphabet, max_size=300).map("".join))
    def check(text: str) -> None:
        hashes = line_hashes(text)
        assert len(hashes) == len(re.split(r"\r\n|\r|\n", text))
        assert all(re.fullmatch(r"[0-9a-f]{1,16}:[1-9][0-9]*", h) for h in hashes)
        # Blanks before a line break never matter (between CR and LF they would: codeql-action
        # then sees two breaks, and so must we).
        assert line_hashes(re.sub(r"(\r\n|\r|\n)", " \t\\1", text)) == hashes

    check()
