"""The one invariant of every hop: the client side closes an idle connection first.

A client (nginx's upstream pool, a load balancer) that keeps an idle connection at least
as long as the server behind it may send a request on a socket the server is closing:
reset, 502, and no retry for non-idempotent requests. Every keep-alive rule is this one
comparison over a different hop, with the roles set by what each device does.
"""

from __future__ import annotations

from nglint.records import record
from nglint.tiers.model import IdlePolicy


@record(frozen=True)
class IdleRace:
    """The comparison of one client idle timeout with one server idle timeout."""

    client_ms: int
    server_ms: int
    max_allowed_ms: int

    @property
    def ok(self) -> bool:
        return self.client_ms <= self.max_allowed_ms

    @property
    def required_gap_ms(self) -> int:
        return self.server_ms - self.max_allowed_ms

    @property
    def suggested_seconds(self) -> int | None:
        """Largest whole number of seconds that satisfies the margin, or None when none does."""
        seconds = self.max_allowed_ms // 1000
        return seconds if seconds >= 1 else None


def comparable(client: IdlePolicy, server: IdlePolicy) -> bool:
    """True when both sides have a finite, known idle timeout and the server keeps connections."""
    return (
        client.known
        and client.timeout_ms is not None
        and server.known
        and server.keepalive
        and server.timeout_ms is not None
    )


def client_closes_first(client: IdlePolicy, server: IdlePolicy, margin) -> IdleRace | None:
    """The race verdict for one hop, or None when the two sides cannot race or cannot be compared.

    `margin` (nglint.config.Margin) is how much earlier the client must close. A server
    that never closes idle connections, or closes after every response, cannot win the
    race; an unknown value is never guessed.
    """
    if not comparable(client, server):
        return None
    server_ms = server.timeout_ms
    return IdleRace(client.timeout_ms, server_ms, server_ms - margin.required_gap_ms(server_ms))
