"""Spring STOMP heartbeats read from Java source (real tree-sitter-java) and linked to the
websocket route nginx proxies: WS002 compares them with the shortest timer and names the
Java file and line; what is computed at run time stays unknown with the reason."""

import subprocess
import sys

import pytest

from conftest import found, told, write_tree

CONFIG = """package demo;

import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.web.socket.config.annotation.*;

@Configuration
@EnableWebSocketMessageBroker
public class WebSocketConfig implements WebSocketMessageBrokerConfigurer {{
    private static final long HEARTBEAT_MS = 90_000L;

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {{
        registry.addEndpoint("/ws"){sockjs};
    }}

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {{
        registry.{broker};
    }}
}}
"""
JAVA = "app/src/main/java/demo/WebSocketConfig.java"
NGINX = """events {{}}
http {{
    upstream app {{ server 127.0.0.1:8080; }}
    server {{
        listen 80;
        location {path} {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";{extra}
        }}
    }}
}}
"""


def stack(broker: str, sockjs: str = "", path: str = "/ws", extra: str = "") -> dict:
    return {JAVA: CONFIG.format(broker=broker, sockjs=sockjs), "nginx/nginx.conf": NGINX.format(path=path, extra=extra)}


SCHEDULED = 'enableSimpleBroker("/topic")\n            .setHeartbeatValue(new long[]{{{value}, 10000}})\n            .setTaskScheduler(scheduler)'


def test_configured_heartbeat_longer_than_proxy_read_timeout_is_cut(lint):
    report = lint(stack(SCHEDULED.format(value="HEARTBEAT_MS")))
    assert found(report) == [("WS002", "nginx/nginx.conf", 7)]
    finding = report.findings[0]
    assert finding.severity.value == "warning"
    assert "within the Spring STOMP heartbeat of 90s" in finding.message
    assert any(s.startswith("heartbeat: 90s from setHeartbeatValue(new long[]{HEARTBEAT_MS, 10000}) on line 19 with "
                            "setTaskScheduler on line 20") for s in finding.sources)
    related = [(report.display_path(r.location.path), r.location.line) for r in finding.related]
    assert (JAVA, 19) in related


def test_a_shorter_heartbeat_or_a_longer_timer_is_fine(lint):
    assert found(lint(stack(SCHEDULED.format(value="20 * 1000")))) == []


def test_task_scheduler_alone_means_ten_seconds(lint, tmp_path):
    from nglint.sources.spring.stomp import SpringStomp

    files = stack('enableSimpleBroker("/topic").setTaskScheduler(scheduler)', extra="\n            proxy_read_timeout 10s;")
    report = lint(files)
    assert found(report) == [("WS002", "nginx/nginx.conf", 7)]
    assert "heartbeat of 10s" in report.findings[0].message
    (endpoint,) = SpringStomp().parse(str(tmp_path / JAVA), [str(tmp_path)], 1 << 20).stomp_endpoints
    assert (endpoint.path, endpoint.heartbeat_ms, endpoint.default_key) == ("/ws", 10_000, "spring-stomp.task-scheduler")


def test_no_task_scheduler_means_no_heartbeat_said_at_info(lint):
    report = lint(stack('enableSimpleBroker("/topic")'))
    assert [(f.rule, f.severity.value) for f in report.findings] == [("WS002", "info")]
    assert "no heartbeat" in report.findings[0].message
    assert "without setTaskScheduler: no heart-beat" in told(report.findings[0])


@pytest.mark.parametrize("broker, reason", [
    ('enableSimpleBroker("/topic").setHeartbeatValue(props.heartbeat()).setTaskScheduler(s)',
     "setHeartbeatValue(props.heartbeat()) on line 18 is computed at run time"),
    ('enableStompBrokerRelay("/topic").setRelayHost("rabbit")', "the external broker negotiates heart-beats"),
])
def test_what_cannot_be_read_stays_unknown_with_the_reason(lint, broker, reason):
    report = lint(stack(broker))
    assert [(f.rule, f.severity.value) for f in report.findings] == [("WS002", "info")]
    assert "heartbeat unknown" in report.findings[0].message and reason in told(report.findings[0])


def test_sockjs_sends_its_own_heartbeat(lint):
    # no STOMP heart-beat, but SockJS's 25s default crosses within nginx's 60s
    assert found(lint(stack('enableSimpleBroker("/topic")', sockjs=".withSockJS()"))) == []
    report = lint(stack('enableSimpleBroker("/topic")', sockjs=".withSockJS().setHeartbeatTime(120_000)"))
    assert found(report) == [("WS002", "nginx/nginx.conf", 7)] and "heartbeat of 120s" in report.findings[0].message


def test_location_must_route_to_the_endpoint(lint):
    # /ws/ serves /ws; /chat does not (its own route, a websocket endpoint nglint knows nothing of)
    assert found(lint(stack(SCHEDULED.format(value="HEARTBEAT_MS"), path="/ws/"))) == [("WS002", "nginx/nginx.conf", 7)]
    report = lint(stack(SCHEDULED.format(value="HEARTBEAT_MS"), path="/chat"))
    assert all("Spring" not in told(f) for f in report.findings)


def test_a_neighbouring_stack_is_never_linked(lint):
    files = {f"a/{rel}": text for rel, text in stack(SCHEDULED.format(value="HEARTBEAT_MS")).items() if rel == JAVA}
    files.update({"a/.nglint.toml": "", "b/.nglint.toml": "",
                  "b/nginx/nginx.conf": NGINX.format(path="/ws", extra="")})
    report = lint(files)
    assert all("Spring" not in told(f) for f in report.findings)


def test_broken_java_is_diagnosed_and_read_as_far_as_possible(lint):
    files = stack(SCHEDULED.format(value="HEARTBEAT_MS"))
    files[JAVA] = files[JAVA].replace("public class", "public clas{{ss") + "\n}}}} (((\n"
    report = lint(files)
    assert "P003" in {f.rule for f in report.findings}
    assert all(f.rule in ("P003", "WS002") for f in report.findings)


def test_claimed_only_with_stomp_registrations(tmp_path):
    from nglint.sources.spring.stomp import SpringStomp

    write_tree(tmp_path, {"A.java": "class A { void f() { list.add(1); } }\n", JAVA: CONFIG.format(broker="x()", sockjs=""),
                          "Config.kt": 'registry.addEndpoint("/ws")\n', "Other.kt": "fun main() = println(1)\n"})
    reader = SpringStomp()
    assert not reader.claims(str(tmp_path / "A.java")) and reader.claims(str(tmp_path / JAVA))
    assert reader.claims(str(tmp_path / "Config.kt")) and not reader.claims(str(tmp_path / "Other.kt"))


def test_one_conf_run_loads_no_java_grammar(tmp_path):
    write_tree(tmp_path, {"nginx.conf": NGINX.format(path="/ws", extra="")})
    code = ("import sys\nfrom nglint.cli import main\nmain(['check', 'nginx.conf'])\n"
            "print('java-loaded' if 'tree_sitter_java' in sys.modules else 'java-absent')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "java-absent" in result.stdout, result.stdout + result.stderr
