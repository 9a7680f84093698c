"""The generated directive table: its source, known facts from nginx's changelog, and a
comparison with crossplane's analyzer (an independent, hand-kept table)."""

from __future__ import annotations

import re

from crossplane import analyzer

from nglint.sources.nginx.directive_table import DIRECTIVES, ENUMS
from nglint.sources.nginx.directives import forms

# crossplane's analyzer shares one bit between the top level of http, events, stream and
# mail (nginx tells them apart by module type); it cannot be compared there.
CROSSPLANE_CONTEXTS = {
    analyzer.NGX_MAIN_CONF: {"main"},
    analyzer.NGX_HTTP_MAIN_CONF: {"http", "events", "stream", "mail"},
    analyzer.NGX_HTTP_SRV_CONF: {"server", "stream_server", "mail_server"},
    analyzer.NGX_HTTP_LOC_CONF: {"location"},
    analyzer.NGX_HTTP_UPS_CONF: {"upstream", "stream_upstream"},
    analyzer.NGX_HTTP_SIF_CONF: {"if_in_server"},
    analyzer.NGX_HTTP_LIF_CONF: {"if_in_location"},
    analyzer.NGX_HTTP_LMT_CONF: {"limit_except"},
}
# Where crossplane's analyzer differs, and why: nginx Plus forms (limit_req_zone ... sync,
# sticky, status) and directives it lists as TAKE1 that nginx declares as FLAG.
KNOWN_ARGUMENT_DIFFERENCES = {"limit_conn_dry_run", "limit_req_dry_run", "limit_req_zone", "status", "sticky"}


def test_the_table_names_its_source():
    import nglint.sources.nginx.directive_table as table

    assert re.search(r"github\.com/nginx/nginx.*release-1\.0\.0 to release-\d+\.\d+\.\d+ \([0-9a-f]{40}\)", table.__doc__, re.S)
    assert len(DIRECTIVES) > 600


def _form(name, context):
    return [(f.args, f.since, f.until) for f in reversed(forms(name)) if context in f.contexts]


def test_versions_match_nginx_changes():
    assert ("12", (1, 29, 7), None) in _form("keepalive", "upstream")  # keepalive ... local
    assert ("1", (1, 7, 5), (1, 29, 7)) in _form("keepalive", "upstream")
    assert _form("keepalive_timeout", "upstream") == [("1", (1, 15, 3), None)]
    assert ENUMS["proxy_http_version"]["2"] == (("1.29.4", None),)
    assert _form("http2", "server") == [("FLAG", (1, 25, 1), None)]
    assert [until for _, _, until in _form("ssl", "server")] == [(1, 25, 1)]


def test_block_bodies():
    assert {f.child for f in forms("map")} == {"opaque"}
    assert {f.child for f in forms("types")} == {"opaque"}
    assert {f.child for f in forms("location")} == {"location"}
    assert {f.child for f in forms("if")} == {"if"}
    assert {(f.child, frozenset(f.contexts)) for f in forms("server") if f.block} == {
        ("server", frozenset({"http"})), ("stream_server", frozenset({"stream"})), ("mail_server", frozenset({"mail"}))
    }


def _crossplane_rule(mask: int) -> str:
    for name in ("ANY", "FLAG", "1MORE", "2MORE"):
        if mask & getattr(analyzer, f"NGX_CONF_{name}"):
            return name
    counts = "0" if mask & analyzer.NGX_CONF_NOARGS else ""
    return counts + "".join(str(n) for n in range(1, 8) if mask & getattr(analyzer, f"NGX_CONF_TAKE{n}"))


def test_crossplane_s_analyzer_agrees_where_both_know_a_directive():
    both = [name for name in analyzer.DIRECTIVES if name in DIRECTIVES]
    assert len(both) > 550
    context_differences, argument_differences = [], []
    for name in both:
        ours = {context for f in forms(name) for context in f.contexts}
        if "any" in ours:
            continue
        theirs = {mask for mask in analyzer.DIRECTIVES[name]}
        for mask in theirs:
            for bit, names in CROSSPLANE_CONTEXTS.items():
                if mask & bit and not names & ours:
                    context_differences.append((name, names))
        if {_crossplane_rule(m) for m in theirs} - {f.args for f in forms(name)}:
            argument_differences.append(name)
    assert context_differences == []
    assert set(argument_differences) == KNOWN_ARGUMENT_DIFFERENCES
