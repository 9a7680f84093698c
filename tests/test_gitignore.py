"""Discovery skips what git ignores (every .gitignore, .git/info/exclude) and `exclude`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

# KA002 (warning) fires on this file, so a linted copy shows up in the findings.
BAD = "upstream app {\n    server 127.0.0.1:9;\n    keepalive 4;\n}\nserver {\n    listen 80;\n    location / {\n" \
      '        proxy_pass http://app;\n        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n    }\n}\n'


def _paths(result) -> set[str]:
    return {f["path"] for f in json.loads(result.stdout)["findings"]}


def _git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def _tree(root: Path) -> None:
    write_tree(root, {
        "conf.d/site.conf": BAD,
        "build/site.conf": BAD,
        "gen/a.generated.conf": BAD,
        "gen/keep.generated.conf": BAD,
        "deep/nested/local.conf": BAD,
        "deep/nested/other.conf": BAD,
        ".gitignore": "build/\n*.generated.conf\n",
        "gen/.gitignore": "!keep.generated.conf\n",
        "deep/.gitignore": "nested/local.conf\n",
    })


def test_gitignored_files_are_not_linted(tmp_path: Path) -> None:
    _git_init(tmp_path)
    _tree(tmp_path)
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert _paths(result) == {"conf.d/site.conf", "gen/keep.generated.conf", "deep/nested/other.conf"}
    # git agrees on every file (the real git, not our reading of its rules)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout.split()
    assert {p for p in listed if p.endswith(".conf")} == _paths(result)


def test_walking_a_subdirectory_applies_the_root_gitignore(tmp_path: Path) -> None:
    _git_init(tmp_path)
    _tree(tmp_path)
    write_tree(tmp_path, {"deep/build/x.conf": BAD})  # `build/` at the root matches at any depth
    result = run_cli("check", "deep", "--format", "json", cwd=tmp_path)
    assert _paths(result) == {"deep/nested/other.conf"}


def test_git_info_exclude(tmp_path: Path) -> None:
    _git_init(tmp_path)
    _tree(tmp_path)
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("conf.d/\n")
    assert "conf.d/site.conf" not in _paths(run_cli("check", ".", "--format", "json", cwd=tmp_path))


def test_a_file_named_on_the_command_line_is_linted_even_if_ignored(tmp_path: Path) -> None:
    _git_init(tmp_path)
    _tree(tmp_path)
    result = run_cli("check", "build/site.conf", "--format", "json", cwd=tmp_path)
    assert _paths(result) == {"build/site.conf"}


def test_respect_gitignore_false(tmp_path: Path) -> None:
    _git_init(tmp_path)
    _tree(tmp_path)
    (tmp_path / ".nglint.toml").write_text("respect-gitignore = false\n")
    assert "build/site.conf" in _paths(run_cli("check", ".", "--format", "json", cwd=tmp_path))


def test_gitignore_inside_the_walked_tree_applies_outside_git(tmp_path: Path) -> None:
    _tree(tmp_path)  # no git init: /tmp is not in a work tree
    assert "build/site.conf" not in _paths(run_cli("check", ".", "--format", "json", cwd=tmp_path))


def test_bad_gitignore_does_not_crash(tmp_path: Path) -> None:
    _git_init(tmp_path)
    write_tree(tmp_path, {"a.conf": BAD, ".gitignore": b"\xff\xfe[\n***/\n\\\n!\n"})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr


@pytest.mark.parametrize("pattern", ["legacy", "legacy/", "legacy/*", "**/old.conf"])
def test_exclude_patterns(tmp_path: Path, pattern: str) -> None:
    write_tree(tmp_path, {"conf.d/site.conf": BAD, "legacy/old.conf": BAD,
                          ".nglint.toml": f'exclude = ["{pattern}"]\n'})
    assert _paths(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == {"conf.d/site.conf"}


def test_a_gitignore_symlinked_out_of_the_work_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "patterns").write_text("conf.d/\n")
    repo = tmp_path / "repo"
    _git_init(repo)
    write_tree(repo, {"conf.d/site.conf": BAD})
    (repo / ".gitignore").symlink_to(outside / "patterns")
    assert _paths(run_cli("check", ".", "--format", "json", cwd=repo)) == {"conf.d/site.conf"}
