"""Tomcat `server.xml`: every `<Connector>` as a Backend, read with a hardened XML parser.

server.xml comes from pull requests, so the parser never expands entities, never loads
a DTD or anything from the network, refuses documents that declare a DTD, and reads
at most `max-file-size` bytes. Defaults follow Tomcat's documentation: connectionTimeout
60000 ms when absent (the shipped server.xml sets 20000), keepAliveTimeout defaults to
connectionTimeout, negative means infinite, and AJP connectors default to infinite.
"""

from __future__ import annotations

import os
import re

from nglint.backends import Backend, BackendFile
from nglint.boundary import Boundary, Refused, is_file, open_limited
from nglint.diagnostics import BACKEND_PARSE_ERROR, REFUSED_FILE, UNRESOLVED_PLACEHOLDER, refusal_kind
from nglint.findings import Location
from nglint.problems import Problem
from nglint.sources.properties import parse_properties, substitute
from nglint.sources.tomcat.defaults import DEFAULTS
from nglint.tiers.model import Provenance
from nglint.units import UnitError, parse_tomcat_millis

_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def read_server_xml(path: str, tree_roots: list[str], max_file_size: int) -> BackendFile:
    """Every Connector of one server.xml as a Backend; never raises (problems recorded instead)."""
    result = BackendFile(path)
    if not Boundary(tree_roots).contains(path):
        result.problems.append(Problem(REFUSED_FILE, path, 1, "not read: a symlink that leads outside the checked tree"))
        return result
    parsed = read_xml(path, max_file_size, result)
    if parsed is None:
        return result
    root, lines = parsed
    if root.tag != "Server":
        return result  # some other product's server.xml (M/Monit, Jetty): not ours
    properties = load_catalina_properties(path, tree_roots)
    for element in root.iter("Connector"):
        backend = _connector(path, element, properties, result, _start_line(lines, element), lines)
        if backend is not None:
            result.backends.append(backend)
    return result


def read_server_xml_text(text: str, origin: Location) -> BackendFile:
    """Every Connector of a server.xml held inside another file (a ConfigMap's block
    scalar whose first line is at `origin`): locations point into that file. No
    catalina.properties applies: placeholders stay unresolved (and are recorded so)."""
    from nglint.records import replace

    inner = BackendFile(origin.path)
    parsed = parse_xml_bytes(text.encode("utf-8", errors="surrogateescape"), origin.path, inner)
    result = BackendFile(origin.path)
    shift = origin.line - 1
    result.problems = [replace(problem, line=problem.line + shift) for problem in inner.problems]
    if parsed is None or parsed[0].tag != "Server":
        return result
    root, lines = parsed
    found = BackendFile(origin.path)
    for element in root.iter("Connector"):
        backend = _connector(origin.path, element, {}, found, _start_line(lines, element), lines)
        if backend is not None:
            provenance = backend.provenance
            if provenance is not None and provenance.line is not None:
                provenance = replace(provenance, line=provenance.line + shift)
            location = Location(origin.path, backend.location.line + shift)
            result.backends.append(replace(backend, location=location, provenance=provenance))
    result.problems.extend(replace(problem, line=problem.line + shift) for problem in found.problems)
    return result


def read_xml(path: str, max_file_size: int, result: BackendFile, what: str = "server.xml"):
    """Parse safely: (root element, text lines of the same bytes), or None after recording
    a problem for any refusal or error. The lines serve start-tag lookups (libxml2 gives the
    line where a tag ends), so the file is read once and both views agree."""
    try:
        raw = open_limited(path, max_file_size)
    except Refused as refused:
        reason = refused.reason
        if reason.startswith("file is"):
            reason = f"refused: {reason}"
        elif not reason.startswith("cannot"):
            reason = f"not read: {reason}"
        result.problems.append(Problem(refusal_kind(refused.reason), path, 1, reason))
        return None
    return parse_xml_bytes(raw, path, result, what)


def parse_xml_bytes(raw: bytes, path: str, result: BackendFile, what: str = "server.xml"):
    """`read_xml` on bytes already read (a server.xml held in a Kubernetes ConfigMap);
    `what` names the format in refusals (other XML readers share this safe parse)."""
    marker = _DTD_MARKERS.search(raw)
    if marker:
        line = raw.count(b"\n", 0, marker.start()) + 1
        result.problems.append(
            Problem(REFUSED_FILE, path, line, f"refused as unsafe: {what} declares a DTD or entities, which nglint never processes")
        )
        return None

    from lxml import etree  # imported only when a server.xml is present

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        recover=False,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if getattr(exc, "position", None) else 1) or 1
        message = exc.msg or str(exc)
        result.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, f"not well-formed XML: {message}"))
        return None
    except (ValueError, MemoryError, RecursionError) as exc:
        result.problems.append(Problem(BACKEND_PARSE_ERROR, path, 1, f"cannot parse: {exc}"))
        return None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None or tree.docinfo.doctype:
        result.problems.append(Problem(REFUSED_FILE, path, 1, f"refused as unsafe: {what} declares a DTD"))
        return None
    return root, raw.decode("utf-8", errors="replace").removeprefix("\ufeff").split("\n")


def load_catalina_properties(server_xml: str, tree_roots: list[str]) -> dict[str, str]:
    """catalina.properties next to server.xml, else in the nearest ancestor inside the tree."""
    candidate = find_catalina_properties(server_xml, tree_roots)
    if candidate is None:
        return {}
    if not Boundary(tree_roots).contains(candidate):
        return {}  # a symlink out of the tree: its values would show up in messages
    try:
        text = open_limited(candidate, 10 * 1024 * 1024).decode("latin-1")
    except Refused:
        return {}
    return parse_properties(text)


def find_catalina_properties(server_xml: str, tree_roots: list[str]) -> str | None:
    """The catalina.properties a server.xml reads (also used to scope a changed one)."""
    current = os.path.dirname(os.path.abspath(server_xml))
    tree = Boundary(tree_roots)
    while True:
        candidate = os.path.join(current, "catalina.properties")
        if is_file(candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current or not tree.contains(parent):
            return None
        current = parent


def _attribute(element, name: str, properties: dict[str, str], path: str, result: BackendFile, line: int, lines: list[str]) -> tuple[str | None, bool]:
    """An attribute with placeholders resolved; (value, known). Unresolved ones are recorded as unresolved placeholders."""
    raw = element.get(name)
    if raw is None:
        return None, True
    value, unresolved = substitute(raw, properties)
    if unresolved:
        names = ", ".join("${" + n + "}" for n in unresolved)
        result.problems.append(
            Problem(
                UNRESOLVED_PLACEHOLDER,
                path,
                _attribute_line(lines, line, name),
                f'Connector {name}="{raw}": unresolved placeholder {names}; define it in catalina.properties '
                "so nglint can check this connector",
                name,
            )
        )
        return raw, False
    return value, True


def _attribute_line(lines: list[str], start: int, name: str) -> int:
    """Line of `name=` at or after the element start, so the placeholder problem points at the attribute."""
    for number in range(start, min(start + 50, len(lines)) + 1):
        if f"{name}=" in lines[number - 1]:
            return number
    return start


def classify_protocol(protocol: str) -> tuple[str, str]:
    """(kind, implementation) of a Connector protocol attribute: ('http'|'ajp', 'nio'|'nio2'|'apr')."""
    lowered = protocol.lower()
    kind = "ajp" if "ajp" in lowered else "http"
    if "nio2" in lowered:
        impl = "nio2"
    elif "apr" in lowered:
        impl = "apr"
    else:
        impl = "nio"
    return kind, impl


def _millis(value: str | None, name: str) -> tuple[int | None, bool, str | None]:
    """(millis, valid, note) for a timeout attribute; Tomcat ignores values it cannot parse."""
    if value is None:
        return None, False, None
    try:
        return parse_tomcat_millis(value), True, None
    except UnitError:
        return None, False, f'invalid {name}="{value}" is ignored by Tomcat'


def _start_line(lines: list[str], element) -> int:
    """Line of the element's `<Tag`: libxml2 reports where a multi-line start tag ends."""
    line = element.sourceline or 1
    needle = "<" + str(element.tag)
    for candidate in range(min(line, len(lines)), 0, -1):
        if needle in lines[candidate - 1]:
            return candidate
    return line


def _connector(path: str, element, properties: dict[str, str], result: BackendFile, line: int, lines: list[str]) -> Backend | None:
    protocol_raw, _ = _attribute(element, "protocol", properties, path, result, line, lines)
    kind, impl = classify_protocol(protocol_raw or "HTTP/1.1")
    port_raw, port_known = _attribute(element, "port", properties, path, result, line, lines)
    port: int | None = None
    if port_known and port_raw is not None and re.fullmatch(r"[0-9]{1,9}", port_raw.strip()):
        port = int(port_raw)
    elif port_raw is None:
        port = DEFAULTS.get(f"{kind}.port").value

    ct_raw, ct_known = _attribute(element, "connectionTimeout", properties, path, result, line, lines)
    ka_raw, ka_known = _attribute(element, "keepAliveTimeout", properties, path, result, line, lines)
    notes: list[str] = []
    timeout_known = True
    ka_ms, ka_valid, note = _millis(ka_raw if ka_known else None, "keepAliveTimeout")
    if note:
        notes.append(note)
    ct_ms, ct_valid, note = _millis(ct_raw if ct_known else None, "connectionTimeout")
    if note:
        notes.append(note)

    if ka_raw is not None and not ka_known:
        timeout_known, idle_ms, source = False, None, f'keepAliveTimeout="{ka_raw}" (unresolved)'
        provenance = Provenance.unknown(source)
    elif ka_valid:
        idle_ms, source = ka_ms, f'keepAliveTimeout="{ka_raw}"'
        provenance = Provenance.from_file(path, _attribute_line(lines, line, "keepAliveTimeout"), "keepAliveTimeout", source)
    elif ct_raw is not None and not ct_known:
        timeout_known, idle_ms, source = False, None, f'connectionTimeout="{ct_raw}" (unresolved)'
        provenance = Provenance.unknown(source)
    elif ct_valid:
        idle_ms, source = ct_ms, f'connectionTimeout="{ct_raw}" (keepAliveTimeout defaults to it)'
        provenance = Provenance.from_file(path, _attribute_line(lines, line, "connectionTimeout"), "connectionTimeout", source)
    elif kind == "ajp":
        default = DEFAULTS.get("ajp.connectionTimeout")
        idle_ms, source = default.value, "AJP connectionTimeout default (infinite)"
        provenance = Provenance.from_default(default, source)
    else:
        default = DEFAULTS.get("http.connectionTimeout")
        idle_ms = default.value
        source = f"Tomcat's default connectionTimeout of {idle_ms} ms (keepAliveTimeout defaults to it)"
        provenance = Provenance.from_default(default, source)
    if notes:
        source += "; " + "; ".join(notes)
        provenance = Provenance(provenance.origin, source, provenance.path, provenance.line, provenance.key, provenance.default)

    mkr_raw, mkr_known = _attribute(element, "maxKeepAliveRequests", properties, path, result, line, lines)
    keepalive_disabled = bool(mkr_known and mkr_raw is not None and mkr_raw.strip() == "1")
    ssl = (element.get("SSLEnabled", "").lower() == "true") or element.find("SSLHostConfig") is not None
    return Backend(
        kind="tomcat",
        label=f"Tomcat {kind.upper()} Connector port {port_raw or port}",
        port=port,
        idle_timeout_ms=idle_ms,
        idle_timeout_source=source,
        location=Location(path, line),
        anchor="Connector",
        protocol=kind,
        keepalive_disabled=keepalive_disabled,
        timeout_known=timeout_known,
        provenance=provenance,
        attributes={
            "implementation": impl,
            "protocol": protocol_raw or "HTTP/1.1",
            "connectionTimeout": ct_ms,
            "keepAliveTimeout": ka_ms,
            "maxKeepAliveRequests": mkr_raw,
            "ssl": ssl,
        },
    )
