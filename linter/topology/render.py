"""Chains as text, JSON, Mermaid or Graphviz DOT. Races are marked in every format."""

from __future__ import annotations

import json

from nglint.topology.chains import RACE, Chain

PASS = "pass"  # an edge inside nginx (a location handing requests to an upstream), not a connection


def _place(location, display) -> str:
    return f"{display(location.path)}:{location.line}" if location is not None else ""


def _endpoint(endpoint, display) -> dict:
    idle = endpoint.idle
    provenance = idle.provenance
    return {
        "tier": endpoint.tier,
        "label": endpoint.label,
        "host": endpoint.host,
        "port": endpoint.port,
        "idle_timeout_ms": idle.timeout_ms if idle.known else None,
        "idle": idle.describe(),
        "known": idle.known,
        "keepalive": idle.keepalive,
        "provenance": {"origin": provenance.origin, "detail": provenance.detail,
                       "location": _place(provenance.location, display) or None},
        "location": _place(endpoint.location, display),
    }


def to_data(chains: list[Chain], display) -> dict:
    return {
        "chains": [
            {"hops": [
                {"client": _endpoint(view.hop.client, display), "server": _endpoint(view.hop.server, display),
                 "via": view.hop.evidence, "through": view.where or None, "verdict": view.verdict, "detail": view.detail}
                for view in chain.hops
            ]}
            for chain in chains
        ],
        "races": sum(1 for chain in chains for view in chain.hops if view.verdict == RACE),
    }


def render_text(chains: list[Chain], display) -> str:
    lines = []
    for number, chain in enumerate(chains, 1):
        lines.append(f"chain {number}")
        for view in chain.hops:
            hop = view.hop
            mark = "  <-- RACE: client side outlives server side" if view.verdict == RACE else f"  [{view.verdict}]"
            through = f" ({view.where})" if view.where else ""
            lines.append(f"  {hop.client.label}{through}: idle {hop.client.idle.describe()}")
            server = hop.server.label + (f" {hop.server.host}:{hop.server.port}" if hop.server.host and hop.server.port else "")
            place = _place(hop.server.idle.provenance.location or hop.server.location, display)
            lines.append(f"    -> {server} via {hop.evidence}: idle {hop.server.idle.describe()}"
                         f"{' at ' + place if place else ''}{mark}")
        lines.append("")
    races = sum(1 for chain in chains for view in chain.hops if view.verdict == RACE)
    lines.append(f"{len(chains)} chain(s), {races} race(s)")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


def _nodes(chains):
    ids: dict[tuple, str] = {}

    def node(endpoint) -> str:
        key = (endpoint.tier, endpoint.label, endpoint.location.path, endpoint.location.line)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    edges = []
    labels = {}
    for chain in chains:
        previous = None
        for view in chain.hops:
            a, b = node(view.hop.client), node(view.hop.server)
            labels[a] = f"{view.hop.client.label}"
            labels[b] = f"{view.hop.server.label}"
            if previous is not None and previous != a:
                edges.append((previous, a, PASS, view.where or "proxy_pass"))  # inside nginx: server/location to upstream
            edges.append((a, b, view.verdict, _edge_label(view)))
            previous = b
    return labels, list(dict.fromkeys(edges))


def _edge_label(view) -> str:
    return f"{_short(view.hop.client.idle)} / {_short(view.hop.server.idle)}"


def _short(idle) -> str:
    text = idle.describe()
    return text.split(" (", 1)[0]


def render_mermaid(chains: list[Chain]) -> str:
    labels, edges = _nodes(chains)
    lines = ["flowchart LR"]
    for node, label in labels.items():
        lines.append(f'  {node}["{_quote(label)}"]')
    race_edges = []
    for index, (a, b, verdict, label) in enumerate(edges):
        text = f"RACE {label}" if verdict == RACE else label
        arrow = "-.->" if verdict == PASS else "-->"
        lines.append(f'  {a} {arrow}|"{_quote(text)}"| {b}')
        if verdict == RACE:
            race_edges.append(str(index))
    if race_edges:
        lines.append(f"  linkStyle {','.join(race_edges)} stroke:#d00,stroke-width:3px")
    return "\n".join(lines) + "\n"


def render_dot(chains: list[Chain]) -> str:
    labels, edges = _nodes(chains)
    lines = ["digraph nglint {", "  rankdir=LR;", "  node [shape=box];"]
    for node, label in labels.items():
        lines.append(f'  {node} [label="{_quote(label)}"];')
    for a, b, verdict, label in edges:
        style = ', color="red", penwidth=3' if verdict == RACE else ', style="dashed"' if verdict == PASS else ""
        text = f"RACE {label}" if verdict == RACE else label
        lines.append(f'  {a} -> {b} [label="{_quote(text)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(chains: list[Chain], fmt: str, display) -> str:
    if fmt == "json":
        return json.dumps(to_data(chains, display), indent=2, sort_keys=True) + "\n"
    if fmt == "mermaid":
        return render_mermaid(chains)
    if fmt == "dot":
        return render_dot(chains)
    return render_text(chains, display)
