"""The real-world corpus: nglint finishes with exit 0 or 1, never 2, and no traceback."""

import json

from conftest import run_cli



def test_whole_corpus_never_exits_2(corpus):
    result = run_cli("check", str(corpus), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    payload = json.loads(result.stdout)
    assert payload["summary"]["files_checked"] > 500


def test_each_corpus_repository_alone_never_exits_2(corpus, capsys):
    """Per repository (as users run it), pairing nginx and Tomcat folders of the same repo.

    In-process for speed: an exception would propagate and fail the test with its traceback."""
    from nglint.cli import main

    repos = sorted({p.name for tier in ("nginx", "tomcat") for p in (corpus / tier).iterdir() if p.is_dir()})
    failures = []
    rules_seen = set()
    for repo in repos:
        paths = [str(corpus / tier / repo) for tier in ("nginx", "tomcat") if (corpus / tier / repo).is_dir()]
        code = main(["check", *paths, "--format", "json"])
        out, err = capsys.readouterr()
        if code not in (0, 1):
            failures.append((repo, code, err[-500:]))
            continue
        rules_seen.update(f["rule"] for f in json.loads(out)["findings"])
    assert failures == []
    assert "KA005" in rules_seen  # real nginx/Tomcat pairs with Tomcat's 20s default
