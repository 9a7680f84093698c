"""Front tiers as plain records: what a reader found about a load balancer and its targets."""

from __future__ import annotations

from nglint.backends import BackendFile
from nglint.findings import Location
from nglint.records import field, record
from nglint.tiers.model import Provenance

# Endpoint tiers of front devices start with this prefix, so rules can tell a load
# balancer's hop from an nginx upstream's or an ingress controller's.
TIER_PREFIX = "front:"


def is_front_tier(tier: str) -> bool:
    return tier.startswith(TIER_PREFIX)


@record(frozen=True)
class Target:
    """What a front tier forwards to, as far as its file says.

    `port` is the target port (a target group's); `hosts` the instances, launch
    configurations or templates behind it (`aws_instance.web`); `runs_nginx` is true when
    one of them installs or runs nginx (its user_data says so), with the keepalive_timeout
    that user_data writes, if any; `evidence` says how the target was found.
    """

    port: int | None
    evidence: str
    location: Location
    hosts: tuple[str, ...] = ()
    runs_nginx: bool = False
    nginx_evidence: str = ""
    # keepalive_timeout written by the user_data that installs nginx (None: not written)
    nginx_timeout_ms: int | None = None
    nginx_timeout_text: str = ""
    nginx_timeout_at: Location | None = None


@record(frozen=True)
class FrontTier:
    """One device in front: its kind (`aws-alb`), idle timeout with provenance, targets.

    `idle_ms` None with `known` False means the value could not be read (`provenance`
    says why). `root_dir` is where linking looks for what is behind it (that directory and
    its parent, inside the deployment unit). `origin` names the Terraform module instance (`module.web`) it came from,
    so a module read standalone and through a call is not counted twice. `notes` are
    reader remarks a message repeats (count/for_each read as one template, an attribute
    that has no effect on this kind). `idle_ms` None with `known` True is no idle limit
    (a proxy whose idle timeout is 0), unless `keepalive` is False: then nothing is kept idle.
    """

    kind: str
    label: str
    idle_ms: int | None
    provenance: Provenance
    location: Location
    unit: str | None = None
    known: bool = True
    targets: tuple[Target, ...] = ()
    notes: tuple[str, ...] = ()
    tcp_reset: bool = False
    keepalive: bool = True  # False: the device keeps no idle connection to its targets (HAProxy http-server-close)
    # The idle timeout is `rounds` periods of the setting `tuned_by` (HAProxy: 3 x pool-purge-delay),
    # so advice to lower it names that setting and divides.
    rounds: int = 1
    tuned_by: str = ""
    # The timer that closes an idle upgraded connection (a websocket) when it is not the idle
    # timeout above, which then is only a pool's (HAProxy's purge, Traefik's idleConnTimeout,
    # an Envoy cluster's idle_timeout): an IdlePolicy whose timeout None (known) means no timer.
    # None: the idle timeout itself cuts tunnels (an ALB, an NLB's flow timeout).
    tunnel_idle: object = field(default=None, compare=False, hash=False)
    # A TCP-mode proxy (HAProxy `mode tcp`): it terminates both connections, pools none and,
    # at its timeouts, closes both sides, so the server behind sees every close.
    relays: bool = False
    address: str = ""
    origin: str = ""
    module_dir: str = ""
    root_dir: str = ""  # the root module's directory (or the declaring config's): where linking starts
    call_chain: tuple[str, ...] = ()  # directories of the modules a call entered to reach it
    declared_target: object = field(default=None, compare=False, hash=False)


@record
class FrontFile(BackendFile):
    """A file that describes front tiers (it has no backends of its own)."""

    frontends: list[FrontTier] = field(default_factory=list)
