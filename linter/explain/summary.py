"""The outcome of one `nglint explain`, as plain data every reporter reads.

`build` turns the counters (aggregate.py) and, when a configuration was loaded, the
matches and findings (correlate.py) into one dict: the JSON output is this dict, and the
text and Markdown reporters only lay it out. Byte strings from the log become str with
`surrogateescape`, so a sample line that is not valid UTF-8 round-trips to its bytes.
"""

from __future__ import annotations

from nglint.explain.aggregate import OVERFLOW, Aggregator, CauseStats
from nglint.explain.causes import BY_ID, Cause
from nglint.explain.lines import decode
from nglint.explain.probes import PROBE, RESET_EVIDENCE
from nglint.units import format_ms

TOP = 5
EXIT_CLEAN, EXIT_CONFIG_PROBLEM = 0, 1


def build(aggregator: Aggregator, inputs: list[dict], correlator=None, config_note: str | None = None,
          window: dict | None = None) -> dict:
    parsed = aggregator.parsed
    access = _access(aggregator)
    causes = [_cause(entry, parsed, correlator, config_note, access) for entry in aggregator.ordered()]
    config_problem = any(c["config_problem"] for c in causes)
    return {
        "inputs": inputs,
        "lines": aggregator.lines,
        "parsed": parsed,
        "unparsed": aggregator.unparsed,
        "blank": aggregator.blank,
        "overlong": aggregator.overlong,
        "outside_window": aggregator.outside_window,
        "window": window or {"since": None, "until": None},
        "unparsed_samples": [decode(raw) for raw in aggregator.unparsed_samples],
        "config": _config(correlator, config_note),
        "causes": causes,
        "access_log": access,
        "exit_code": EXIT_CONFIG_PROBLEM if config_problem else EXIT_CLEAN,
    }


def _config(correlator, note: str | None) -> dict:
    if correlator is None:
        return {"loaded": False, "note": note, "files": 0}
    return {"loaded": True, "note": note, "files": len(correlator.project.files)}


def _access(aggregator: Aggregator) -> dict | None:
    evidence = aggregator.access
    if not evidence.lines:
        return None
    return {"lines": evidence.lines, "with_upstream_addr": evidence.with_upstream, "statuses": evidence.summary()}


def _top(counter: dict, limit: int = TOP) -> list[tuple[str, int]]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] if isinstance(kv[0], bytes) else b""))
    return [(decode(key) if isinstance(key, bytes) else str(key), value) for key, value in items[:limit]]


IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"))


def _race_observed(entry: CauseStats, access: dict | None) -> str:
    """What this log itself says about race vs crash: which methods hit it, and (with an
    access log) which of them became 502s. nginx retries idempotent requests on a new
    connection, so in a race they log the line but succeed."""
    methods = {decode(m): n for m, n in entry.methods.items() if isinstance(m, bytes)}
    idempotent = sum(n for m, n in methods.items() if m in IDEMPOTENT)
    other = sum(methods.values()) - idempotent
    seen = (f"observed: {other} non-idempotent (POST, PATCH...) and {idempotent} idempotent (GET, HEAD...) "
            "request(s) in these lines")
    if not access or "502" not in access["statuses"]:
        return seen + "; add the access log (with $upstream_status) to see which of them became 502s"
    by_method = access["statuses"]["502"]["methods"]
    bad_idempotent = sum(n for m, n in by_method.items() if m in IDEMPOTENT)
    bad_other = sum(by_method.values()) - bad_idempotent
    verdict = ("consistent with a race: the idempotent requests were retried" if idempotent and not bad_idempotent
               else "idempotent requests failed too: look for a crash or a tier that resets connections")
    return f"{seen}; the access log has {bad_other} non-idempotent and {bad_idempotent} idempotent 502(s): {verdict}"


def _probe_observed(entry: CauseStats) -> str | None:
    """What decided the resets without request context (probes.ProbeWindow's evidence)."""
    seen = [f"{count} {evidence}" for evidence, count in _top(entry.evidence, 10) if evidence.startswith(RESET_EVIDENCE)]
    return f"observed: {'; '.join(seen)}" if seen else None


def _cause(entry: CauseStats, parsed: int, correlator, config_note: str | None, access: dict | None = None) -> dict:
    cause = BY_ID[entry.cause]
    upstreams = _upstreams(entry, correlator)
    findings: dict[str, dict] = {}
    explanations: list[str] = []
    refuted = 0  # lines the configuration shows cannot be this cause
    for group in _by_upstream(upstreams):
        sentence, used, ruled_out = _explain(cause, entry, group, correlator)
        explanations.append(sentence)
        refuted += sum(row["lines"] for row in group) if ruled_out else 0
        for finding in used:
            findings.setdefault(finding["id"], finding)
    if cause.id == "health-check-probe" and correlator is not None:
        for upstream, found in correlator.findings.items():
            for finding in found:
                if finding.rule == "HC001":
                    data = _finding(finding, correlator)
                    if data["id"] not in findings:
                        findings[data["id"]] = data
                        explanations.append(f"{_lines(entry.count)}: health checks of upstream `{upstream.name}` are TCP probes: "
                                            f"this is HC001 at {data['path']}:{data['line']}: use type=http")
    unexplained = None
    if not findings and cause.id != "other" and (correlator is None or not explanations):
        unexplained = _unexplained(cause, correlator, config_note)
    ambiguous = None
    if entry.ambiguous:
        other, count = max(entry.ambiguous.items(), key=lambda kv: kv[1])
        # `other` documents no deciding evidence of its own: the cause it could be does.
        deciding = cause.deciding_evidence or BY_ID[other].deciding_evidence
        ambiguous = {"with": other, "lines": count, "deciding_evidence": deciding, "observed": None}
        if cause.id == "upstream-keepalive-race":
            ambiguous["observed"] = _race_observed(entry, access)
        elif PROBE in (cause.id, other):
            ambiguous["observed"] = _probe_observed(entry)
    return {
        "id": cause.id,
        "title": cause.title,
        "count": entry.count,
        "share": round(entry.count / parsed, 4) if parsed else 0.0,
        "first": decode(entry.first) if entry.first else None,
        "last": decode(entry.last) if entry.last else None,
        "config_problem": bool(findings) or (cause.config_problem and refuted < entry.count),
        "meaning": cause.meaning,
        "confidence": cause.confidence,
        "action": cause.action,
        "reference": cause.reference,
        "related_rules": list(cause.related_rules),
        "methods": dict(_top(entry.methods, 10)),
        "without_request": entry.no_request,
        "upstreams": upstreams,
        "servers": [{"name": name, "lines": count} for name, count in _top(entry.servers)],
        "hosts": [{"name": name, "lines": count} for name, count in _top(entry.hosts)],
        "evidence": dict(_top(entry.evidence, 10)),
        "ambiguous": ambiguous,
        "messages": [{"message": message, "lines": count} for message, count in _top(entry.messages, 10)],
        "samples": [decode(raw) for raw in entry.samples],
        "explanations": explanations,
        "unexplained": unexplained,
        "findings": list(findings.values()),
    }


def _upstreams(entry: CauseStats, correlator) -> list[dict]:
    """Per upstream address: lines, methods, and where it leads in the configuration."""
    methods: dict[bytes, dict[str, int]] = {}
    for (address, method), count in entry.upstream_methods.items():
        methods.setdefault(address, {})[decode(method)] = count
    rows = []
    for address, count in sorted(entry.upstreams.items(), key=lambda kv: -kv[1])[:20]:
        row = {"address": decode(address), "lines": count, "methods": methods.get(address, {}),
               "upstream": None, "at": None, "how": None, "candidates": [], "pooled": None}
        if correlator is not None and address != OVERFLOW:
            names = [decode(name) for (used, name), _ in sorted(entry.names_by_upstream.items(), key=lambda kv: -kv[1])
                     if used == address][:20]
            match = correlator.match(decode(address), names)
            row["how"] = match.how
            row["candidates"] = [f"{u.name} ({correlator.where(u)})" for u in match.candidates]
            if match.upstream is not None:
                row["upstream"] = match.upstream.name
                row["at"] = correlator.where(match.upstream)
                row["pooled"] = correlator.pooled(match.upstream)
                row["_upstream"] = match.upstream
            elif match.site is not None:
                row["at"] = f"{correlator.display(match.site.directive.path)}:{match.site.directive.line}"
                row["pooled"] = False
        rows.append(row)
    return rows


def _by_upstream(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by the upstream block they matched (unmatched rows each alone)."""
    groups: dict[object, list[dict]] = {}
    for row in rows:
        key = row.get("_upstream") or ("address", row["address"])
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _explain(cause: Cause, entry: CauseStats, group: list[dict], correlator) -> tuple[str, list[dict], bool]:
    """One sentence for the lines of one upstream, the findings it names, and whether the
    configuration rules this cause out for them (a race needs a pool)."""
    lines = sum(row["lines"] for row in group)
    post = sum(row["methods"].get("POST", 0) for row in group)
    share = "all" if lines == entry.count else f"{lines} of {entry.count}"
    head = f"{_lines(lines)}, {post} on POST, {share}"
    upstream = group[0].get("_upstream")
    for row in group:
        row.pop("_upstream", None)
    if correlator is None:
        return f"{head} to {group[0]['address']}", [], False
    if upstream is None:
        row = group[0]
        if row["at"]:
            target = f"proxy_pass at {row['at']} ({row['how']})"
            if cause.id == "upstream-keepalive-race":
                return (f"{head} to {row['address']}: {target} keeps no idle connections, so nginx never reuses one: "
                        "not a keep-alive race; the backend closed the connection before answering "
                        "(see upstream-died-mid-response)"), [], True
            return f"{head} to {row['address']}: {target}", [], False
        if row["candidates"]:
            return f"{head} to {row['address']}: {row['how']} between {', '.join(row['candidates'])}", [], False
        return f"{head} to {row['address']}: nglint could not match it to the configuration ({row['how']})", [], False
    head = f"{head} on upstream `{upstream.name}` at {correlator.where(upstream)} (matched by {group[0]['how']})"
    related = [f for f in correlator.findings.get(upstream, []) if f.rule in cause.related_rules]
    if related:
        parts = [_finding_clause(f, correlator) for f in related]
        only_unused_pool = all(f.rule == "KA003" for f in related)  # no reuse: no reuse race
        return f"{head}: " + "; ".join(parts), [_finding(f, correlator) for f in related], only_unused_pool
    if cause.id == "upstream-keepalive-race":
        if not correlator.pooled(upstream):
            return (f"{head}: this upstream keeps no idle connections, so nginx never reuses one: not a keep-alive "
                    "race; the backend closed the connection before answering (see upstream-died-mid-response)"), [], True
        backends = correlator.backends(upstream)
        if backends:
            seen = ", ".join(f"{b.label} {format_ms(b.idle_timeout_ms)}" for b in backends)
            return (f"{head}: nginx's pool closes idle connections before the linked backend ({seen}), so nglint "
                    f"sees no keep-alive mismatch; it cannot see {cause.unseen}"), [], False
        return f"{head}: no backend is linked to this upstream, so its idle timeout is unknown (see P005)", [], False
    if cause.unseen:
        return f"{head}: no finding explains it; nglint cannot see {cause.unseen}", [], False
    return head, [], False


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def _finding_clause(finding, correlator) -> str:
    where = f"{correlator.display(finding.path)}:{finding.line}"
    data = finding.data
    if finding.rule in ("KA001", "KA005") and "nginx_timeout_ms" in data:
        advice = (f"set keepalive_timeout {data['suggested_seconds']}s" if data.get("suggested_seconds") is not None
                  else "no whole-second keepalive_timeout fits: raise the backend's idle timeout or set keepalive 0")
        return (f"this is {finding.rule} at {where} (nginx {format_ms(data['nginx_timeout_ms'])}, "
                f"{data['backend_label']} {format_ms(data['backend_timeout_ms'])} at {data['backend_location']}): {advice}")
    if finding.rule == "KA003":
        return f"but KA003 at {where}: this location does not reuse pooled connections, so a reuse race is unlikely"
    if finding.rule == "KA002":
        return f"KA002 at {where}: the pool's keepalive_timeout is nginx's default, never compared with the backend's"
    if finding.rule == "P005":
        return f"P005 at {where}: no backend is linked to this upstream, so its idle timeout is unknown"
    return f"this is {finding.rule} at {where}"


def _finding(finding, correlator) -> dict:
    path = correlator.display(finding.path)
    return {
        "id": f"{finding.rule}:{path}:{finding.line}",
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": path,
        "line": finding.line,
        "message": finding.message,
        "fingerprint": correlator.fingerprint(finding),
    }


def _unexplained(cause: Cause, correlator, config_note: str | None) -> str:
    if correlator is None:
        reason = config_note or "no configuration was loaded (pass --config-path)"
        return f"not correlated with a configuration: {reason}"
    if cause.unseen:
        return f"no finding explains these lines; nglint cannot see {cause.unseen}"
    return "no finding explains these lines"
