"""Apply fixes to files: choose non-overlapping ones, write atomically, verify, roll back.

One pass takes every applicable fix whose edits touch no edit already chosen (sorted,
so the choice is deterministic), writes each file once through a temporary file in the
same directory and a rename, then lints again. A file whose result does not parse, still
has the finding its fix was for, or gains a finding, gets its original bytes back. Fixes
that overlapped are retried on the next pass against the new text; a few passes reach
the fixpoint, and a second `--fix` run finds nothing to do.
"""

from __future__ import annotations

import bisect
import os
import stat
import sys
import tempfile
from collections import Counter

from nglint import boundary, interrupts
from nglint.findings import Finding
from nglint.fixer.lexer import validate
from nglint.sources.nginx.templating import mask
from nglint.fixer.model import Edit, Fix, digest, line_starts
from nglint.records import field, record

MAX_PASSES = 4
# Temporary files live next to their target until the rename; one name pattern, so
# tests (and people) can check that none is ever left behind.
TEMP_PREFIX = ".nglint-"


class WriteRefused(Exception):
    """A file nglint must not or cannot rewrite (read-only, changed since read, I/O error)."""


@record
class Failure:
    """A fix that was not applied, and why (shown to the user)."""

    finding: Finding
    reason: str


@record
class FixOutcome:
    report: object  # the Report after fixing
    applied: list[Finding] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    passes: int = 0


def finding_key(finding: Finding) -> tuple:
    """Identity of a finding across a re-lint: lines move when text is inserted above."""
    return (finding.rule, finding.location.path, finding.message)


def applicable(findings: list[Finding], unsafe_fixes: bool) -> list[tuple[Finding, Fix]]:
    return [(f, f.fix) for f in findings if isinstance(f.fix, Fix) and f.fix.applicable(unsafe_fixes)]


def _conflict(a: Edit, b: Edit) -> bool:
    """Overlapping ranges, or two insertions (or an insertion and a range) at one point."""
    if a.path != b.path:
        return False
    if a.start == a.end or b.start == b.end:
        return max(a.start, b.start) <= min(a.end, b.end)
    return max(a.start, b.start) < min(a.end, b.end)


def choose(candidates: list[tuple[Finding, Fix]]) -> tuple[list[tuple[Finding, Fix]], list[tuple[Finding, Fix]]]:
    """(chosen, deferred): a deterministic maximal set of fixes whose edits do not touch
    and that do not add the same directive to the same block.

    Sort and sweep: the edits already taken in a file are disjoint, so they are kept
    sorted by start and a new edit is compared only with its neighbours there, not with
    every edit taken so far (8000 fixes in one file were 32 million comparisons)."""
    ordered = sorted(
        candidates,
        key=lambda item: (item[1].edits[0].path, item[1].edits[0].start, item[1].edits[0].end, item[0].rule, item[0].message),
    )
    chosen: list[tuple[Finding, Fix]] = []
    deferred: list[tuple[Finding, Fix]] = []
    taken: dict[str, _Taken] = {}
    claimed: set = set()
    for finding, fix in ordered:
        if claimed & fix.claims or any(taken.setdefault(edit.path, _Taken()).conflicts(edit) for edit in fix.edits):
            deferred.append((finding, fix))
            continue
        chosen.append((finding, fix))
        for edit in fix.edits:
            taken[edit.path].add(edit)
        claimed |= fix.claims
    return chosen, deferred


class _Taken:
    """Pairwise non-conflicting edits of one file, sorted by (start, end)."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []
        self.edits: list[Edit] = []

    def conflicts(self, edit: Edit) -> bool:
        # Taken edits are disjoint, so they are sorted by end as well as by start: walk
        # left from the last one starting at or before edit.end while they reach edit.start.
        index = bisect.bisect_right(self.keys, (edit.end, sys.maxsize))
        while index > 0:
            index -= 1
            other = self.edits[index]
            if other.end < edit.start:
                return False
            if _conflict(edit, other):
                return True
        return False

    def add(self, edit: Edit) -> None:
        index = bisect.bisect_right(self.keys, (edit.start, edit.end))
        self.keys.insert(index, (edit.start, edit.end))
        self.edits.insert(index, edit)


def apply_edits(data: bytes, edits: list[Edit]) -> bytes:
    """The bytes with every edit applied (edits must not overlap), in one pass."""
    pieces: list[bytes] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        pieces.append(data[position : edit.start])
        pieces.append(edit.data)
        position = max(position, edit.end)
    pieces.append(data[position:])
    return b"".join(pieces)


def read_bytes(path: str) -> bytes:
    """The file's bytes; OSError with the reason for anything but a regular file."""
    try:
        return boundary.open_limited(path, sys.maxsize)
    except boundary.Refused as refused:
        raise OSError(refused.reason) from None


@record
class FileChange:
    """New content for one file, computed from the bytes the fixes were planned on."""

    path: str
    old: bytes
    new: bytes
    fixes: list[tuple[Finding, Fix]]


def _nginx_file(path: str) -> bool:
    """True unless a backend reader claims the file (its own re-read checks the result)."""
    from nglint.sources import reader_for

    return reader_for(path) is None


def plan_changes(chosen: list[tuple[Finding, Fix]]) -> tuple[list[FileChange], list[Failure]]:
    """Per-file new contents; a file that changed since the fixes were planned is refused,
    and with it every fix touching it (a multi-file fix is all or nothing)."""
    by_path: dict[str, list[tuple[Finding, Fix]]] = {}
    for finding, fix in chosen:
        for path in fix.paths:
            by_path.setdefault(path, []).append((finding, fix))
    bad: dict[int, str] = {}
    contents: dict[str, bytes] = {}
    for path, items in by_path.items():
        try:
            data = read_bytes(path)
        except OSError as exc:
            for _, fix in items:
                bad[id(fix)] = f"cannot read {path}: {exc.strerror or exc}"
            continue
        contents[path] = data
        current = digest(data)  # once per file, not once per fix
        for _, fix in items:
            if fix.sha256.get(path) != current:
                bad[id(fix)] = f"{path} changed since it was read; not rewritten"
    failures = [Failure(f, bad[id(fix)]) for f, fix in chosen if id(fix) in bad]
    good = [(f, fix) for f, fix in chosen if id(fix) not in bad]
    changes = []
    unparsable: dict[int, str] = {}
    good_by_path: dict[str, list[tuple[Finding, Fix]]] = {}
    for finding, fix in good:
        for path in fix.paths:
            good_by_path.setdefault(path, []).append((finding, fix))
    for path in sorted(good_by_path):
        items = good_by_path[path]
        edits = [e for _, fix in items for e in fix.edits if e.path == path]
        new = apply_edits(contents[path], edits)
        try:
            if _nginx_file(path):
                validate(mask(path, new))  # stricter than crossplane about a block closed inside a directive
        except ValueError as exc:
            for _, fix in items:
                unparsable[id(fix)] = f"not applied: the fixed file would not parse: {exc}"
            continue
        changes.append(FileChange(path, contents[path], new, items))
    if unparsable:
        # a multi-file fix with one bad file is dropped everywhere
        failures += [Failure(f, unparsable[id(fix)]) for f, fix in good if id(fix) in unparsable]
        changes = [c for c in changes if not any(id(fix) in unparsable for _, fix in c.fixes)]
    return changes, failures


def write_atomic(path: str, data: bytes, expected_sha256: str) -> None:
    """Replace the file's content with `data` by rename, keeping its mode (setuid and
    setgid included), owner and group. Refuses a read-only file and one whose bytes are
    no longer what was read; the check is repeated right before the rename."""
    real = boundary.real_path(path)
    if real is None:
        raise WriteRefused(f"cannot resolve {path}")
    info = boundary.stat_path(real)
    if isinstance(info, str):
        raise WriteRefused(f"cannot stat {path}: {info}")
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"{path} is not a regular file; not rewritten")
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteRefused(f"{path} is read-only; not rewritten")
    _check_unchanged(real, path, expected_sha256)
    # Held signals: a Ctrl-C between creating the temporary file and the rename would
    # otherwise leave it behind, or a half-written file if it came mid-write.
    with interrupts.held():
        _replace(real, path, data, info, expected_sha256)


def _replace(real: str, path: str, data: bytes, info: os.stat_result, expected_sha256: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=os.path.dirname(real))
    except OSError as exc:
        raise WriteRefused(f"cannot write next to {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if hasattr(os, "fchown"):  # POSIX only
                try:
                    # Owner first: chown clears setuid/setgid, so the mode is set after it.
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                except OSError:
                    pass  # not permitted for another owner: the file becomes ours, mode kept
            os.chmod(handle.fileno() if os.chmod in os.supports_fd else tmp, stat.S_IMODE(info.st_mode))
            os.fsync(handle.fileno())
        _check_unchanged(real, path, expected_sha256)  # narrow the window before the rename
        os.replace(tmp, real)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteRefused(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _check_unchanged(real: str, path: str, expected_sha256: str) -> None:
    try:
        current = read_bytes(real)
    except OSError as exc:
        raise WriteRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    if digest(current) != expected_sha256:
        raise WriteRefused(f"{path} changed since it was read; not rewritten")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _groups(changes: list[FileChange]) -> list[list[FileChange]]:
    """Files joined by a fix that edits several of them: written and rolled back together."""
    parent = {c.path: c.path for c in changes}

    def root(p: str) -> str:
        while parent[p] != p:
            p = parent[p]
        return p

    for change in changes:
        for _, fix in change.fixes:
            for other in fix.paths:
                if other in parent:
                    parent[root(other)] = root(change.path)
    groups: dict[str, list[FileChange]] = {}
    for change in changes:
        groups.setdefault(root(change.path), []).append(change)
    return [groups[key] for key in sorted(groups)]


def _write_group(group: list[FileChange]) -> str | None:
    """Write every file of the group or none; the reason on failure."""
    written: list[FileChange] = []
    for change in group:
        try:
            write_atomic(change.path, change.new, digest(change.old))
        except WriteRefused as exc:
            for done in reversed(written):
                try:
                    write_atomic(done.path, done.old, digest(done.new))
                except WriteRefused:
                    pass
            return str(exc)
        written.append(change)
    return None


def _rollback(group: list[FileChange]) -> list[str]:
    problems = []
    for change in group:
        try:
            write_atomic(change.path, change.old, digest(change.new))
        except WriteRefused as exc:
            problems.append(f"could not restore {change.path}: {exc}")
    return problems


def _line_map(change: FileChange):
    """Old line number -> new line number in one rewritten file (lines below an edit move).

    The shift at a line is the sum over edits wholly before it: a prefix sum over the
    edits sorted by end, found by binary search, not a scan of every edit per finding."""
    edits = sorted((e for _, fix in change.fixes for e in fix.edits if e.path == change.path), key=lambda e: e.end)
    starts = line_starts(change.old)
    ends = [edit.end for edit in edits]
    shifts = [0]
    for edit in edits:
        shifts.append(shifts[-1] + edit.data.count(b"\n") - change.old.count(b"\n", edit.start, edit.end))

    def new_line(line: int) -> int:
        if not 1 <= line <= len(starts):
            return line
        offset = starts[line - 1]
        # edits with end <= offset (their start is <= end, so also before the line)
        return line + shifts[bisect.bisect_right(ends, offset)]

    return new_line


def _verdict(group: list[FileChange], before: list[Finding], after: list[Finding]) -> str | None:
    """Why the group's result must be rolled back, or None when it is good.

    Findings are compared by (rule, file, line), lines of the old text mapped through the
    edits: the same rule at the same place is the same finding, whatever its wording.
    """
    maps = {change.path: _line_map(change) for change in group}
    for finding in after:
        if finding.rule == "P001" and finding.location.path in maps:
            return f"the fixed file does not parse: {finding.message}"

    def moved(finding: Finding) -> tuple:
        mapper = maps.get(finding.location.path)
        return (finding.rule, finding.location.path, mapper(finding.line) if mapper else finding.line)

    fixed = {id(f): (f, fix) for change in group for f, fix in change.fixes}
    after_keys = Counter((f.rule, f.location.path, f.line) for f in after)
    subject_keys = {fix.subject[0] for _, fix in fixed.values() if fix.subject is not None}
    after_subjects = {
        (f.rule, f.location.path, key, _hashable(f.data.get(key))) for f in after for key in subject_keys if key in f.data
    }
    for finding, fix in fixed.values():
        again = after_keys[moved(finding)] > 0
        if fix.subject is not None:  # e.g. one finding per upstream, reported where the timeout now is
            again = again or (finding.rule, finding.location.path, fix.subject[0], _hashable(fix.subject[1])) in after_subjects
        if again:
            return f"{finding.rule} is still reported after the fix"
    before_keys = Counter(moved(f) for f in before if id(f) not in fixed)
    revealed = {rule for _, fix in fixed.values() for rule in fix.reveals}
    for finding in after:
        key = (finding.rule, finding.location.path, finding.line)
        if finding.rule in revealed:
            continue
        if finding.location.path in maps and after_keys[key] > before_keys[key]:
            return f"the fix would add {finding.rule} at line {finding.line}: {finding.message}"
    return None


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def fix_project(relint, report, unsafe_fixes: bool = False, max_passes: int = MAX_PASSES) -> FixOutcome:
    """Apply fixes until none is left (or `max_passes`); `relint()` lints again from disk."""
    outcome = FixOutcome(report)
    given_up: set[tuple] = set()
    applied_ids: set[int] = set()
    for _ in range(max_passes):
        candidates = [(f, fix) for f, fix in applicable(report.findings, unsafe_fixes) if finding_key(f) not in given_up]
        if not candidates:
            break
        outcome.passes += 1
        chosen, _deferred = choose(candidates)
        changes, failures = plan_changes(chosen)
        for failure in failures:
            given_up.add(finding_key(failure.finding))
        outcome.failures.extend(failures)
        written: list[list[FileChange]] = []
        for group in _groups(changes):
            reason = _write_group(group)
            if reason is None:
                written.append(group)
                continue
            for change in group:
                for finding, _ in change.fixes:
                    if finding_key(finding) not in given_up:
                        given_up.add(finding_key(finding))
                        outcome.failures.append(Failure(finding, reason))
        if not written:
            continue
        before = report.findings
        after = relint()
        while True:
            bad = [(group, _verdict(group, before, after.findings)) for group in written]
            bad = [(group, reason) for group, reason in bad if reason]
            if not bad:
                break
            for group, reason in bad:
                problems = _rollback(group)
                written.remove(group)
                for change in group:
                    for finding, _ in change.fixes:
                        if finding_key(finding) not in given_up:
                            given_up.add(finding_key(finding))
                            detail = reason if not problems else f"{reason}; {'; '.join(problems)}"
                            outcome.failures.append(Failure(finding, f"rolled back: {detail}"))
            after = relint()
        for group in written:
            for change in group:
                if change.path not in outcome.files:
                    outcome.files.append(change.path)
                for finding, _ in change.fixes:
                    if id(finding) not in applied_ids:  # a multi-file fix is listed under each file
                        applied_ids.add(id(finding))
                        outcome.applied.append(finding)
        report = after
    outcome.report = report
    return outcome


def unfixable(report) -> list[Failure]:
    """Findings whose file no fix can be placed in, with the reason (see layout.Unfixable)."""
    from nglint.fixer import UNFIXABLE

    return [Failure(f, f.data[UNFIXABLE]) for f in report.findings if f.data.get(UNFIXABLE)]


def preview(report, unsafe_fixes: bool) -> tuple[list[FileChange], list[Failure], int]:
    """What one pass of `--fix` would write, without writing: (changes, refusals, deferred).

    A change whose result cannot be lexed is dropped, like a fix that does not parse.
    """
    chosen, deferred = choose(applicable(report.findings, unsafe_fixes))
    changes, failures = plan_changes(chosen)
    return changes, failures, len(deferred)
