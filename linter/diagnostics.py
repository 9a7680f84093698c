"""What can go wrong while reading files and linking tiers: a closed vocabulary of kinds.

Readers and the tier model record *what happened* (a file does not parse, an include
matches no file, a placeholder hides a value, a load balancer links to nothing) as a
`Problem` of one of these kinds. Which rule reports it, under which code, is the rule's
business: each P-rule lists the kinds it reports in its metadata (`Rule.reports`), and the
registry refuses two rules that claim one kind. So a reader never names a rule, and a
third-party reader that records one of these kinds gets the built-in rule's finding.

The vocabulary is closed on purpose: a kind no rule reports would be a problem nobody
sees. `MEANINGS` is the one place each kind's meaning is written down.
"""

from __future__ import annotations

NGINX_PARSE_ERROR = "nginx-parse-error"
MANIFEST_PARSE_ERROR = "manifest-parse-error"
UNLISTED_DIRECTORY = "unlisted-directory"
MISSING_INCLUDE = "missing-include"
BAD_INCLUDE = "bad-include"
REFUSED_INCLUDE = "refused-include"
STOCK_INCLUDE = "stock-include"
BACKEND_PARSE_ERROR = "backend-parse-error"
REFUSED_FILE = "refused-file"
UNREADABLE_FILE = "unreadable-file"
UNRESOLVED_PLACEHOLDER = "unresolved-placeholder"
LINK_GAP = "link-gap"

MEANINGS: dict[str, str] = {
    NGINX_PARSE_ERROR: "an nginx file cannot be read or parsed, nginx -t would reject a directive in it, "
                       "or its blocks nest deeper than nglint follows",
    MANIFEST_PARSE_ERROR: "a Kubernetes manifest is not valid YAML",
    UNLISTED_DIRECTORY: "a directory under the checked paths cannot be listed; the files in it are not checked",
    MISSING_INCLUDE: "an nginx include names a file that does not exist in the tree",
    BAD_INCLUDE: "an nginx include nglint does not follow: no argument, a cycle, a directory, too deep or too many directives",
    REFUSED_INCLUDE: "an nginx include, or an nginx file found in the tree, leads outside the checked tree; not read",
    STOCK_INCLUDE: "an nginx include of a stock file (mime.types, ...) the repository does not hold; not read",
    BACKEND_PARSE_ERROR: "a file of another tier (server.xml, compose, Dockerfile, Terraform, ...) is malformed "
                         "or names something nglint cannot follow",
    REFUSED_FILE: "a file of another tier is refused: outside the checked tree, not a regular file, too large, "
                  "or unsafe to parse (a DTD, nesting too deep)",
    UNREADABLE_FILE: "a file of another tier cannot be read (an operating-system error)",
    UNRESOLVED_PLACEHOLDER: "a setting holds a ${...} placeholder or template action nglint cannot resolve; its value is unknown",
    LINK_GAP: "a tier in front (a load balancer) cannot be linked to what it forwards to; its idle timeout is unchecked",
}

KINDS: frozenset[str] = frozenset(MEANINGS)

# Kinds by what they leave unknown, for the engine's questions (never for reporting).
NGINX_UNREAD: frozenset[str] = frozenset({NGINX_PARSE_ERROR, MANIFEST_PARSE_ERROR, UNLISTED_DIRECTORY,
                                          MISSING_INCLUDE, BAD_INCLUDE, REFUSED_INCLUDE, STOCK_INCLUDE})
"""Some configuration went unread: an upstream block may hide in it."""

INCLUDE_NOT_FOLLOWED: frozenset[str] = frozenset({MISSING_INCLUDE, BAD_INCLUDE, REFUSED_INCLUDE, STOCK_INCLUDE})
"""An include directive whose content is unknown (what it would add is unknown)."""

FILE_UNREAD: frozenset[str] = frozenset({BACKEND_PARSE_ERROR, REFUSED_FILE, UNREADABLE_FILE})
"""A file of another tier was refused or is broken: it is read no further, not even for comments."""


def refusal_kind(reason: str) -> str:
    """The kind of a `nglint.boundary.Refused` reason: an operating-system error is an
    unreadable file, anything else (too large, not regular, outside) a refusal."""
    return UNREADABLE_FILE if reason.startswith("cannot") else REFUSED_FILE
