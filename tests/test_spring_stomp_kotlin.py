"""Spring STOMP heartbeats read from Kotlin source (real tree-sitter-kotlin): the same calls
and meanings as the Java reader, Kotlin's syntax (`longArrayOf`, `const val`, `10_000L`,
companion objects); what is computed at run time stays unknown with the reason."""

import subprocess
import sys

import pytest

from conftest import found, told, write_tree

CONFIG = """package demo

import org.springframework.messaging.simp.config.MessageBrokerRegistry
import org.springframework.web.socket.config.annotation.*

private const val OUTGOING = 90_000L

@Configuration
@EnableWebSocketMessageBroker
class WebSocketConfig(@Lazy private val scheduler: TaskScheduler) : WebSocketMessageBrokerConfigurer {{
    companion object {{
        private const val SOCKJS_MS = 5 * 1000L
    }}

    override fun registerStompEndpoints(registry: StompEndpointRegistry) {{
        registry.addEndpoint("/ws"){sockjs}
    }}

    override fun configureMessageBroker(registry: MessageBrokerRegistry) {{
        registry.{broker}
    }}
}}
"""
KOTLIN = "app/src/main/kotlin/demo/WebSocketConfig.kt"
NGINX = """events {{}}
http {{
    upstream app {{ server 127.0.0.1:8080; }}
    server {{
        listen 80;
        location {path} {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }}
    }}
}}
"""
SCHEDULED = 'enableSimpleBroker("/topic")\n            .setHeartbeatValue(longArrayOf({value}, 10000))\n            .setTaskScheduler(scheduler)'


def stack(broker: str, sockjs: str = "", path: str = "/ws") -> dict:
    return {KOTLIN: CONFIG.format(broker=broker, sockjs=sockjs), "nginx/nginx.conf": NGINX.format(path=path)}


def test_kotlin_heartbeat_longer_than_proxy_read_timeout_is_cut(lint):
    report = lint(stack(SCHEDULED.format(value="OUTGOING")))
    assert found(report) == [("WS002", "nginx/nginx.conf", 7)]
    finding = report.findings[0]
    assert "within the Spring STOMP heartbeat of 90s" in finding.message
    assert any(s.startswith("heartbeat: 90s from setHeartbeatValue(longArrayOf(OUTGOING, 10000)) on line 21 with "
                            "setTaskScheduler on line 22") for s in finding.sources), finding.sources
    related = [(report.display_path(r.location.path), r.location.line) for r in finding.related]
    assert (KOTLIN, 21) in related


@pytest.mark.parametrize("value", ["20 * 1000", "20_000L", "(10 + 10) * 1000", "20.toLong() * 1000"])
def test_kotlin_literals_and_arithmetic_are_evaluated(lint, value):
    assert found(lint(stack(SCHEDULED.format(value=value)))) == []


def test_task_scheduler_alone_and_no_scheduler(lint, tmp_path):
    assert found(lint(stack('enableSimpleBroker("/topic").setTaskScheduler(scheduler)'))) == []
    report = lint(stack('enableSimpleBroker("/topic")'))
    (finding,) = report.findings
    assert finding.severity.value == "info" and "no heartbeat" in finding.message


def test_sockjs_heartbeat_time_from_a_companion_constant(lint):
    report = lint(stack('enableSimpleBroker("/topic")', sockjs=".withSockJS().setHeartbeatTime(SOCKJS_MS)"))
    assert found(report) == []
    report = lint(stack('enableSimpleBroker("/topic")', sockjs=".withSockJS()"))
    assert found(report) == []  # SockJS's default 25s is inside nginx's 60s


@pytest.mark.parametrize("broker, reason", [
    ('enableSimpleBroker("/topic").setHeartbeatValue(props.heartbeat()).setTaskScheduler(scheduler)',
     "setHeartbeatValue(props.heartbeat()) on line 20 is computed at run time"),
    ('enableStompBrokerRelay("/topic")', "the external broker negotiates heart-beats"),
])
def test_what_cannot_be_read_stays_unknown(lint, broker, reason):
    report = lint(stack(broker))
    assert all(f.severity.value == "info" for f in report.findings)
    assert any(reason in told(f) for f in report.findings), [told(f) for f in report.findings]


def test_a_name_declared_twice_is_not_evaluated(lint):
    files = stack(SCHEDULED.format(value="OUTGOING"))
    files[KOTLIN] = files[KOTLIN].replace("companion object {", "companion object {\n        private const val OUTGOING = 1000L")
    report = lint(files)
    assert "computed at run time" in told(report.findings[0])


def test_broken_kotlin_is_diagnosed_and_read_as_far_as_possible(lint):
    files = stack(SCHEDULED.format(value="OUTGOING"))
    files[KOTLIN] = files[KOTLIN] + "\n}}}} ((( class\n"
    report = lint(files)
    assert "P003" in {f.rule for f in report.findings}
    assert "Kotlin source" in next(f.message for f in report.findings if f.rule == "P003")
    assert all(f.rule in ("P003", "WS002") for f in report.findings)


def test_binary_garbage_named_kt_never_crashes(lint):
    report = lint({"app/Stomp.kt": b"addEndpoint enableSimpleBroker \x00\xff\xfe" * 100, "nginx/nginx.conf": NGINX.format(path="/ws")})
    assert all(f.rule.startswith("P") or f.rule.startswith("WS") for f in report.findings)


def test_one_conf_run_loads_no_kotlin_grammar(tmp_path):
    write_tree(tmp_path, {"nginx.conf": NGINX.format(path="/ws")})
    code = ("import sys\nfrom nglint.cli import main\nmain(['check', 'nginx.conf'])\n"
            "print('kotlin-loaded' if 'tree_sitter_kotlin' in sys.modules else 'kotlin-absent')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "kotlin-absent" in result.stdout, result.stdout + result.stderr


def test_an_apply_block_is_read_like_a_chain(lint):
    broker = ('enableSimpleBroker("/topic").apply {\n            setHeartbeatValue(longArrayOf(OUTGOING, 10000))\n'
              '            setTaskScheduler(scheduler)\n        }')
    report = lint(stack(broker))
    assert found(report) == [("WS002", "nginx/nginx.conf", 7)]
    assert "within the Spring STOMP heartbeat of 90s" in report.findings[0].message
