"""The tier in front: Terraform load balancers (real python-hcl2), declared front tiers,
hops to nginx or an app server, LB001 and LB002, their fix and their link gaps (P005)."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, found, run_cli, told, write_tree

NGINX_75 = "events {}\nhttp {\n    keepalive_timeout 75s;\n    server {\n        listen 8080;\n    }\n}\n"
NGINX_DEFAULT = "events {}\nhttp {\n    server {\n        listen 8080;\n    }\n}\n"


def alb(idle: str = "120", extra: str = "", port: int = 8080, lb_type: str = "application") -> str:
    return (
        'resource "aws_lb" "web" {\n'
        f'  load_balancer_type = "{lb_type}"\n'
        f"  idle_timeout       = {idle}\n"
        f"{extra}"
        "}\n"
        'resource "aws_lb_target_group" "web" {\n'
        f"  port = {port}\n"
        "}\n"
        'resource "aws_lb_listener" "http" {\n'
        "  load_balancer_arn = aws_lb.web.arn\n"
        "  default_action {\n"
        '    type             = "forward"\n'
        "    target_group_arn = aws_lb_target_group.web.arn\n"
        "  }\n"
        "}\n"
    )


def hops_of(report_files, tmp_path):
    from nglint.config import Settings
    from nglint.project import load_project
    from nglint.tiers.front import analyse

    write_tree(tmp_path, report_files)
    project = load_project([str(tmp_path)], Settings(), cwd=str(tmp_path))
    return project, analyse(project)


# -- Terraform reading ----------------------------------------------------------------------
def test_alb_variable_default_reported_at_nginx_with_terraform_line_related(lint):
    report = lint({
        "infra/main.tf": 'variable "idle" {\n  default = 120\n}\n' + alb("var.idle"),
        "nginx/nginx.conf": NGINX_75,
    })
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    finding = report.findings[0]
    assert "120s" in finding.message and "75s" in finding.message and "keepalive_timeout 134s" in finding.message
    assert "lower the LB's to 67s" in finding.message and "default of variable 'idle'" in told(finding)
    related = [(report.display_path(r.location.path), r.location.line) for r in finding.related]
    assert related[0] == ("infra/main.tf", 6)  # the idle_timeout attribute line, found in the raw text


def test_tfvars_and_auto_tfvars_override_the_default(lint):
    files = {
        "infra/main.tf": 'variable "idle" {\n  default = 30\n}\n' + alb("var.idle"),
        "nginx/nginx.conf": NGINX_75,
    }
    assert found(lint(files)) == []
    files["infra/terraform.tfvars"] = "idle = 300\n"
    report = lint(files)
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "terraform.tfvars" in told(report.findings[0])


def test_variable_without_default_is_unknown_with_the_reason(lint):
    report = lint({"infra/main.tf": 'variable "idle" {}\n' + alb("var.idle"), "nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("LB001", "info")]
    assert "variable 'idle' has no default" in told(report.findings[0])
    assert report.findings[0].line == 4  # the idle_timeout line, not a guess


def test_unevaluated_expression_is_unknown_with_the_expression(lint):
    report = lint({"infra/main.tf": alb("max(60, 120)"), "nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("LB001", "info")]
    assert "max(60, 120)" in told(report.findings[0])


def test_count_and_for_each_are_read_as_one_template_and_say_so(lint):
    report = lint({"infra/main.tf": alb("120", extra="  count = 3\n"), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "uses count: read as one template" in told(report.findings[0])
    report = lint({"infra/main.tf": alb("120", extra='  for_each = toset(["a", "b"])\n'), "nginx/nginx.conf": NGINX_75})
    assert "uses for_each" in told(report.findings[0])


def test_local_module_call_passes_its_inputs_and_is_counted_once(lint):
    module = 'variable "idle" {\n  default = 30\n}\n' + alb("var.idle")
    report = lint({
        "infra/main.tf": 'module "web" {\n  source = "./modules/alb"\n  idle   = 200\n}\n',
        "infra/modules/alb/main.tf": module,
        "nginx/nginx.conf": NGINX_75,
    })
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    message = told(report.findings[0])
    assert "module.web.aws_lb.web" in message and "200s" in message and "module 'web' input idle" in message


def test_module_source_outside_the_tree_is_a_diagnostic(lint):
    report = lint({"infra/main.tf": 'module "web" {\n  source = "../../../../elsewhere"\n}\n', "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("P003", "infra/main.tf", 1)]


def test_tf_json_syntax_with_attribute_lines(lint):
    document = {
        "resource": {
            "aws_lb": {"web": {"name": "web", "idle_timeout": 120}},
            "aws_lb_target_group": {"web": {"port": 8080}},
            "aws_lb_listener": {"http": {"load_balancer_arn": "${aws_lb.web.arn}",
                                         "default_action": [{"type": "forward", "target_group_arn": "${aws_lb_target_group.web.arn}"}]}},
        }
    }
    report = lint({"infra/main.tf.json": json.dumps(document, indent=2) + "\n", "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    (related, *_) = report.findings[0].related
    assert (report.display_path(related.location.path), related.location.line) == ("infra/main.tf.json", 6)


def test_broken_hcl_is_a_diagnostic_and_the_other_files_are_still_read(lint):
    report = lint({
        "infra/a_broken.tf": 'resource "aws_lb" "x" {\n  idle_timeout = \n',
        "infra/main.tf": alb("120"),
        "nginx/nginx.conf": NGINX_75,
    })
    assert sorted(found(report)) == [("LB001", "nginx/nginx.conf", 3), ("P003", "infra/a_broken.tf", 2)]


@pytest.mark.parametrize("garbage", [b"\x00\xff{{{", b'resource "a" {', b"}}}}", b'{"resource": [1, 2]}', b"\xef\xbb\xbf variable {"])
def test_hostile_terraform_never_crashes(lint, garbage):
    report = lint({"infra/main.tf": garbage, "infra/x.tf.json": garbage, "nginx/nginx.conf": NGINX_75})
    assert {f.rule for f in report.findings} <= {"P003"}


def test_nlb_idle_timeout_attribute_has_no_effect_and_the_listener_attribute_does(lint):
    report = lint({"infra/main.tf": alb("600", lb_type="network"), "nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value, f.line) for f in report.findings] == [("LB002", "info", 1)]  # 75s closes first
    assert "idle_timeout on aws_lb.web has no effect" in told(report.findings[0])
    report = lint({"infra/main.tf": alb("60", lb_type="network"),
                   "nginx/nginx.conf": NGINX_75.replace("75s", "600s")})
    assert found(report) == [("LB002", "nginx/nginx.conf", 3)]
    assert "350s" in told(report.findings[0]) and "idle_timeout on aws_lb.web has no effect" in told(report.findings[0])
    listener = alb("60", lb_type="network").replace("  idle_timeout       = 60\n", "").replace(
        "  load_balancer_arn", "  tcp_idle_timeout_seconds = 900\n  load_balancer_arn")
    report = lint({"infra/main.tf": listener, "nginx/nginx.conf": NGINX_75.replace("75s", "600s")})
    assert found(report) == []  # the listener keeps flows 900s: nginx's 600s closes first


def test_so_keepalive_probes_keep_an_nlb_flow_alive(lint):
    conf = NGINX_75.replace("75s", "600s").replace("listen 8080;", "listen 8080 so_keepalive=60s::;")
    nlb = alb("60", lb_type="network").replace("  idle_timeout       = 60\n", "")
    assert found(lint({"infra/main.tf": nlb, "nginx/nginx.conf": conf})) == []
    on = NGINX_75.replace("75s", "600s").replace("listen 8080;", "listen 8080 so_keepalive=on;")
    report = lint({"infra/main.tf": nlb, "nginx/nginx.conf": on})
    assert found(report) == [("LB002", "nginx/nginx.conf", 3)]  # the kernel's first probe comes after 2h


AZURE = ('resource "azurerm_lb_rule" "web" {{\n  backend_port = 8080\n  idle_timeout_in_minutes = {minutes}\n'
         "  enable_tcp_reset = {reset}\n}}\n")


def test_azure_lb_drops_silently_unless_tcp_reset(lint):
    conf = NGINX_75.replace("75s", "600s")
    report = lint({"infra/main.tf": AZURE.format(minutes=4, reset="false"), "nginx/nginx.conf": conf})
    assert found(report) == [("LB002", "nginx/nginx.conf", 3)]
    assert "4m" in told(report.findings[0]) or "240s" in told(report.findings[0])
    assert found(lint({"infra/main.tf": AZURE.format(minutes=4, reset="true"), "nginx/nginx.conf": conf})) == []
    assert found(lint({"infra/main.tf": AZURE.format(minutes=15, reset="false"), "nginx/nginx.conf": conf})) == []


def test_clb_and_gcp_backend_service(lint):
    clb = ('resource "aws_elb" "web" {\n  idle_timeout = 300\n  listener {\n    instance_port = 8080\n'
           '    instance_protocol = "http"\n    lb_port = 80\n    lb_protocol = "http"\n  }\n}\n')
    assert found(lint({"infra/main.tf": clb, "nginx/nginx.conf": NGINX_75})) == [("LB001", "nginx/nginx.conf", 3)]
    gcp = 'resource "google_compute_backend_service" "web" {\n  load_balancing_scheme = "EXTERNAL_MANAGED"\n}\n'
    report = lint({"infra/main.tf": gcp, "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "600s" in told(report.findings[0]) and "fixed" in told(report.findings[0])


# -- nginx's side ---------------------------------------------------------------------------
def test_keepalive_timeout_0_means_no_keepalive_so_no_race(lint):
    assert found(lint({"infra/main.tf": alb("3600"), "nginx/nginx.conf": NGINX_75.replace("75s", "0")})) == []


def test_server_level_timeout_on_the_target_port_decides(lint):
    conf = ("events {}\nhttp {\n    keepalive_timeout 300s;\n    server {\n        listen 8080;\n"
            "        keepalive_timeout 30s;\n    }\n    server {\n        listen 9090;\n    }\n}\n")
    report = lint({"infra/main.tf": alb("120"), "nginx/nginx.conf": conf})
    assert found(report) == [("LB001", "nginx/nginx.conf", 6)]
    assert "in the server block" in told(report.findings[0])
    assert found(lint({"infra/main.tf": alb("120", port=9090), "nginx/nginx.conf": conf})) == []


def test_default_nginx_timeout_is_quoted_from_the_defaults_table(lint):
    report = lint({"infra/main.tf": alb("120"), "nginx/nginx.conf": NGINX_DEFAULT})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]  # the server block on the target port
    assert "nginx's default keepalive_timeout 75s" in told(report.findings[0])


# -- linking --------------------------------------------------------------------------------
def test_alb_to_tomcat_by_target_port(lint):
    tomcat = ('<Server port="-1"><Service name="C"><Connector port="8080" protocol="HTTP/1.1" '
              'connectionTimeout="20000"/></Service></Server>\n')
    report = lint({"infra/main.tf": alb("60"), "tomcat/conf/server.xml": tomcat})
    assert found(report) == [("LB001", "tomcat/conf/server.xml", 1)]
    assert "the port of Tomcat" in told(report.findings[0])


def test_two_nginx_configs_and_no_port_match_is_a_link_gap(lint):
    other = NGINX_75.replace("8080", "9091")
    report = lint({"infra/main.tf": alb("120", port=7000), "a/nginx.conf": other, "b/nginx.conf": other.replace("9091", "9092")})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]
    assert "2 nginx configs" in told(report.findings[0]) and "[[tool.nglint.frontend]]" in told(report.findings[0])


def test_a_link_gap_is_a_diagnostic_of_the_tier_model_that_p005_reports(tmp_path):
    """The model records what happened (a link gap), the registry says which rule reports it;
    an L4 device linked to nothing leaves its flow timeout unchecked, and says so too."""
    from nglint.registry import rule_for_kind

    other = NGINX_75.replace("8080", "9091")
    files = {"infra/main.tf": alb("120", port=7000), "a/nginx.conf": other, "b/nginx.conf": other.replace("9091", "9092")}
    _, analysis = hops_of(files, tmp_path / "http")
    (gap,) = analysis.gaps
    assert gap.kind == "link-gap" and rule_for_kind(gap.kind).code == "P005"
    assert gap.message == ("Nothing known behind AWS Application Load Balancer aws_lb.web: declare its target in "
                           "[[tool.nglint.frontend]] to check its timeout")
    assert "2 nginx configs" in gap.sources[0]
    files["infra/main.tf"] = alb("120", port=7000, lb_type="network")
    _, analysis = hops_of(files, tmp_path / "l4")
    (gap,) = analysis.gaps
    assert analysis.hops == [] and rule_for_kind(gap.kind).code == "P005"
    assert gap.message == ("Nothing known behind AWS Network Load Balancer aws_lb.web: its idle-flow timeout goes "
                           "unchecked; declare its target in [[tool.nglint.frontend]]")
    assert "2 nginx configs" in gap.sources[0]


def test_an_l4_link_gap_is_reported_at_info_unless_the_device_resets(lint):
    """An NLB or Azure LB linked to nothing: P005 at info, so LB002 is not silently unchecked.
    Azure with TCP reset tells both ends when it drops a flow: nothing left to check."""
    nlb = alb("60", lb_type="network").replace("  idle_timeout       = 60\n", "")
    report = lint({"infra/main.tf": nlb})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]
    assert "idle-flow timeout goes unchecked" in report.findings[0].message
    assert lint({"infra/main.tf": AZURE.format(minutes=4, reset="true")}).findings == []
    assert [f.rule for f in lint({"infra/main.tf": AZURE.format(minutes=4, reset="false")}).findings] == ["P005"]


def test_two_nginx_configs_the_one_on_the_port_is_linked(lint):
    report = lint({"infra/main.tf": alb("120"), "a/nginx.conf": NGINX_75, "b/nginx.conf": NGINX_75.replace("8080", "9092")})
    assert found(report) == [("LB001", "a/nginx.conf", 3)]


def test_monorepo_stacks_never_cross_link(lint):
    report = lint({
        "stack-a/docker-compose.yml": "services: {}\n",
        "stack-a/infra/main.tf": alb("120"),
        "stack-b/docker-compose.yml": "services: {}\n",
        "stack-b/nginx/nginx.conf": NGINX_75,
    })
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]
    assert report.display_path(report.findings[0].path) == "stack-a/infra/main.tf"


def test_hop_carries_labels_idle_policies_and_provenance(tmp_path):
    project, analysis = hops_of({"infra/main.tf": alb("120"), "nginx/nginx.conf": NGINX_75}, tmp_path)
    (hop,) = analysis.hops
    assert hop.client.tier == "front:aws-alb" and hop.client.idle.pools and hop.client.idle.timeout_ms == 120_000
    assert hop.client.idle.provenance.path.endswith("main.tf") and hop.client.idle.provenance.line == 3
    assert hop.server.tier == "nginx" and hop.server.idle.timeout_ms == 75_000
    assert hop.server.idle.provenance.line == 3 and "keepalive_timeout 75s" in hop.server.idle.provenance.describe()
    assert "aws_lb_target_group.web port 8080" in hop.evidence
    assert hop in project.hops  # the hop builder is registered: every consumer of project.hops sees it


def test_user_data_installing_nginx_is_the_evidence(lint):
    tf = alb("120") + (
        'resource "aws_instance" "web" {\n  user_data = <<-EOT\n    apt-get install -y nginx\n  EOT\n}\n'
        'resource "aws_lb_target_group_attachment" "web" {\n  target_group_arn = aws_lb_target_group.web.arn\n'
        "  target_id = aws_instance.web.id\n}\n"
    )
    report = lint({"infra/main.tf": tf, "nginx/nginx.conf": NGINX_75})
    assert "user_data of aws_instance.web runs nginx" in told(report.findings[0])


# -- declared front tiers -------------------------------------------------------------------
def test_declared_frontend_to_nginx_config_and_to_app_server(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": '[[frontend]]\nkind = "cloudflare"\ntarget = "nginx/nginx.conf"\n\n'
                        '[[frontend]]\nkind = "heroku"\ntarget-kind = "puma"\ntarget-idle-timeout = "20s"\n',
        "nginx/nginx.conf": NGINX_75,
    })
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    findings = [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    assert sorted(findings) == [("LB001", ".nglint.toml", 5), ("LB001", "nginx/nginx.conf", 3)]
    messages = " ".join(told(f) for f in json.loads(result.stdout)["findings"])
    assert "900s" in messages and "Proxy Idle Timeout" in messages and "90s" in messages


@pytest.mark.parametrize("entry, words", [
    ('kind = "f5"', "'kind' must be one of"),
    ('kind = "aws-alb"\nidle-timeout = "soon"', "idle-timeout"),
    ('kind = "aws-alb"\ntarget-kind = "gunicorn"', "give both"),
    ('kind = "aws-alb"\ntarget = "n.conf"\ntarget-kind = "x"\ntarget-idle-timeout = "2s"', "not both"),
    ('kind = "aws-alb"\ncolour = "red"', "unknown key(s) colour"),
])
def test_bad_frontend_declaration_is_exit_2_naming_the_key(tmp_path, entry, words):
    write_tree(tmp_path, {".nglint.toml": f"[[frontend]]\n{entry}\n", "nginx.conf": "events {}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "'frontend'" in result.stderr and words in result.stderr


# -- the fix --------------------------------------------------------------------------------
def nginx_binary():
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.os.path.exists("/usr/sbin/nginx") else None)
    if path is None:
        if IN_CI:
            pytest.fail("nginx is not installed; .ci/install-system.sh must install it")
        pytest.skip("nginx is not installed")
    return path


@pytest.mark.parametrize("conf, expected", [
    (NGINX_75, "    keepalive_timeout 134s;\n"),
    (NGINX_DEFAULT, "    keepalive_timeout 134s;  # AWS Application Load Balancer aws_lb.web keeps idle connections 120s\n"),
    (NGINX_75.replace("75s;", "75s 60s;"), "    keepalive_timeout 134s 60s;\n"),
])
def test_fix_raises_nginx_keepalive_timeout_byte_exact_and_nginx_t_passes(tmp_path, conf, expected):
    write_tree(tmp_path, {"infra/main.tf": alb("120"), "nginx/nginx.conf": conf})
    result = run_cli("check", ".", "--fix", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "nginx/nginx.conf").read_text()
    assert expected in text
    assert run_cli("check", ".", cwd=tmp_path).returncode == 0
    check = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx/nginx.conf"),
                            "-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path}/nginx.pid;"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def test_hcl2_and_yaml_are_imported_only_when_their_files_are_read():
    code = "import sys, nglint.cli; print('hcl2' in sys.modules, 'lark' in sys.modules, 'yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False", "False"]


def test_stacks_without_markers_never_cross_link_by_port(lint):
    tomcat = ('<Server port="-1"><Service name="C"><Connector port="8080" protocol="HTTP/1.1" '
              'connectionTimeout="20000"/></Service></Server>\n')
    report = lint({"stacks/shop/main.tf": alb("400"), "stacks/blog/tomcat/conf/server.xml": tomcat,
                   "stacks/wiki/nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]
    assert "in its directory or the one above" in told(report.findings[0])


def test_nested_module_calls_count_each_load_balancer_once(lint):
    report = lint({
        "infra/main.tf": 'module "net" {\n  source = "./modules/net"\n}\n',
        "infra/modules/net/main.tf": 'module "lb" {\n  source = "../lb"\n  idle = 300\n}\n',
        "infra/modules/lb/main.tf": 'variable "idle" {\n  default = 30\n}\n' + alb("var.idle"),
        "nginx/nginx.conf": NGINX_75,
    })
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "module.net.module.lb.aws_lb.web" in told(report.findings[0]) and "300s" in told(report.findings[0])


ASG = (
    'resource "aws_launch_template" "web" {{\n  user_data = base64encode(local.boot)\n}}\n'
    'resource "aws_autoscaling_group" "web" {{\n  target_group_arns = [aws_lb_target_group.web.arn]\n'
    "  launch_template {{\n    id = aws_launch_template.web.id\n  }}\n}}\n"
    "locals {{\n  boot = <<-EOT\n    #!/bin/bash\n    apt-get install -y nginx\n{conf}  EOT\n}}\n"
)


def test_nginx_installed_by_user_data_of_an_asg_with_no_config_in_the_repo(lint):
    report = lint({"infra/main.tf": alb("120") + ASG.format(conf="")})
    assert found(report) == [("LB001", "infra/main.tf", 5)]  # the target group: nothing else to point at
    message = told(report.findings[0])
    assert "user_data of aws_launch_template.web runs nginx" in message and "keepalive_timeout 65 in the nginx.conf" in message


def test_keepalive_timeout_written_inline_by_user_data_is_read_with_its_line(lint):
    conf = "    cat > /etc/nginx/conf.d/ka.conf <<'NGX'\n    keepalive_timeout 300s;\n    NGX\n"
    report = lint({"infra/main.tf": alb("120") + ASG.format(conf=conf)})
    assert found(report) == []  # 300s outlasts the ALB's 120s
    report = lint({"infra/main.tf": alb("400") + ASG.format(conf=conf)})
    assert found(report) == [("LB001", "infra/main.tf", 29)]
    assert "keepalive_timeout 300s written by the user_data of aws_launch_template.web" in told(report.findings[0])


def test_user_data_file_outside_the_tree_is_never_read(lint, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-boot.sh"  # above the checked tree and the working directory
    outside.write_text("apt-get install -y nginx\n")
    tf = alb("120") + (f'resource "aws_instance" "web" {{\n  user_data = file("../../../{outside.name}")\n}}\n'
                       'resource "aws_lb_target_group_attachment" "a" {\n  target_group_arn = aws_lb_target_group.web.arn\n'
                       "  target_id = aws_instance.web.id\n}\n")
    report = lint({"repo/infra/main.tf": tf}, paths=["repo"])
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]  # a gap, not a link


# -- CloudFormation and AWS Load Balancer Controller annotations ------------------------------
CFN = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  IdleSeconds:
    Type: Number
{default}Resources:
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      LoadBalancerAttributes:
        - Key: idle_timeout.timeout_seconds
          Value: !Ref IdleSeconds
  Web:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 8080
  Http:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Web
"""


def test_cloudformation_load_balancer_attributes_with_a_parameter_default(lint):
    report = lint({"cloudformation/stack.yaml": CFN.format(default="    Default: 180\n"), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    finding = report.findings[0]
    assert "default of parameter IdleSeconds" in told(finding)
    assert (report.display_path(finding.related[0].location.path), finding.related[0].location.line) == ("cloudformation/stack.yaml", 12)
    report = lint({"cloudformation/stack.yaml": CFN.format(default=""), "nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("LB001", "info")]
    assert "parameter IdleSeconds has no Default" in told(report.findings[0])


SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: edge
  annotations:
{annotations}spec:
  type: LoadBalancer
  ports:
    - port: 80
      targetPort: 8080
"""


def test_service_annotation_idle_timeout_on_a_clb(lint):
    annotations = '    service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout: "300"\n'
    report = lint({"k8s/svc.yaml": SERVICE.format(annotations=annotations), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "Classic Load Balancer for Service edge" in told(report.findings[0])


def test_service_idle_annotation_has_no_effect_on_an_nlb_and_nglint_says_so(lint):
    annotations = ("    service.beta.kubernetes.io/aws-load-balancer-type: nlb\n"
                   '    service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout: "3600"\n')
    report = lint({"k8s/svc.yaml": SERVICE.format(annotations=annotations), "nginx/nginx.conf": NGINX_75})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("LB002", "info")]
    assert "has no effect on a Network Load Balancer" in told(report.findings[0])


def test_ingress_load_balancer_attributes_annotation(lint):
    ingress = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n"
               "    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=300\n"
               "spec:\n  ingressClassName: alb\n")
    report = lint({"k8s/ingress.yaml": ingress, "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "idle_timeout.timeout_seconds=300 on Ingress web" in told(report.findings[0])


@pytest.mark.parametrize("garbage", ["AWSTemplateFormatVersion: [\n", "kind: Service\nmetadata: 3\n# alb.ingress.kubernetes.io/x\n",
                                     "AWSTemplateFormatVersion: x\nResources: [1, 2]\n", "- alb.ingress.kubernetes.io/: !!python/object x\n"])
def test_hostile_yaml_never_crashes(lint, garbage):
    report = lint({"k8s/x.yaml": garbage, "nginx/nginx.conf": NGINX_75})
    assert {f.rule for f in report.findings} <= {"P003"}


def test_yaml_without_aws_markers_is_not_claimed(tmp_path):
    from nglint.sources.aws.reader import AwsLoadBalancerFiles

    write_tree(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx\n"})
    assert not AwsLoadBalancerFiles().claims(str(tmp_path / "compose.yaml"))


# -- Traefik and Envoy in front of nginx ------------------------------------------------------
TRAEFIK = """http:
  services:
    web:
      loadBalancer:
        servers:
          - url: "http://nginx:8080"
{transport}"""


def test_traefik_default_idle_conn_timeout_outlives_nginx_default(lint):
    report = lint({"traefik/dynamic.yml": TRAEFIK.format(transport=""), "nginx/nginx.conf": NGINX_DEFAULT})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "Traefik service web" in told(report.findings[0]) and "90s" in told(report.findings[0])


def test_traefik_servers_transport_idle_conn_timeout_is_read_with_its_line(lint):
    transport = ("        serversTransport: short\n  serversTransports:\n    short:\n      forwardingTimeouts:\n"
                 "        idleConnTimeout: 30s\n")
    assert found(lint({"traefik/dynamic.yml": TRAEFIK.format(transport=transport), "nginx/nginx.conf": NGINX_DEFAULT})) == []
    report = lint({"traefik/dynamic.yml": TRAEFIK.format(transport=transport.replace("30s", "5m")), "nginx/nginx.conf": NGINX_DEFAULT})
    related = report.findings[0].related[0].location
    assert (report.display_path(related.path), related.line) == ("traefik/dynamic.yml", 11)


ENVOY = """static_resources:
  clusters:
    - name: web
{options}      load_assignment:
        cluster_name: web
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: {{address: nginx, port_value: 8080}}
"""


def test_envoy_cluster_idle_timeout_default_and_explicit(lint):
    report = lint({"envoy/envoy.yaml": ENVOY.format(options=""), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "1h" in told(report.findings[0]) or "3600s" in told(report.findings[0])
    options = ("      typed_extension_protocol_options:\n        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
               "          common_http_protocol_options:\n            idle_timeout: 60s\n")
    assert found(lint({"envoy/envoy.yaml": ENVOY.format(options=options), "nginx/nginx.conf": NGINX_75})) == []


@pytest.mark.parametrize("zero", ["0", "0s"])
def test_traefik_idle_conn_timeout_zero_is_no_idle_limit(lint, zero):
    """Traefik passes 0 to Go's http.Transport, where zero means no limit: nginx always closes first."""
    transport = ("        serversTransport: forever\n  serversTransports:\n    forever:\n      forwardingTimeouts:\n"
                 f"        idleConnTimeout: {zero}\n")
    report = lint({"traefik/dynamic.yml": TRAEFIK.format(transport=transport), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    finding = report.findings[0]
    assert "no limit (0 = no idle limit)" in finding.message and "75s" in finding.message
    assert (report.display_path(finding.related[0].location.path), finding.related[0].location.line) == ("traefik/dynamic.yml", 11)
    assert any("idleConnTimeout: " + zero in source for source in finding.sources)


def test_envoy_idle_timeout_zero_disables_it_and_is_reported(lint):
    options = ("      typed_extension_protocol_options:\n        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
               "          common_http_protocol_options:\n            idle_timeout: 0s\n")
    report = lint({"envoy/envoy.yaml": ENVOY.format(options=options), "nginx/nginx.conf": NGINX_75})
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    assert "Envoy cluster web keeps idle connections with no limit (0 = no idle limit)" in report.findings[0].message
    # nginx with keep-alive off never races, whatever the proxy keeps
    off = NGINX_75.replace("75s", "0")
    assert found(lint({"envoy/envoy.yaml": ENVOY.format(options=options), "nginx/nginx.conf": off})) == []


def test_symlinks_out_of_the_tree_are_never_opened(lint, tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-secret"
    secret.mkdir()
    (secret / "main.tf").write_text(alb("999"))
    (secret / "svc.yaml").write_text("kind: Service\n# service.beta.kubernetes.io/aws-load-balancer-type\n")
    write_tree(tmp_path, {"repo/nginx/nginx.conf": NGINX_75, "repo/infra/own.tf": "# nothing\n"})
    (tmp_path / "repo/infra/a.tf").symlink_to(secret / "main.tf")
    (tmp_path / "repo/infra/svc.yaml").symlink_to(secret / "svc.yaml")
    report = lint({}, paths=["repo"])
    assert all("999" not in told(f) for f in report.findings)
    # Each link is claimed by name, never opened, and refused when parsed (the YAML one by the Kubernetes reader).
    assert [(f.rule, report.display_path(f.path)) for f in report.findings if f.rule == "P003"] == [
        ("P003", "repo/infra/a.tf"), ("P003", "repo/infra/svc.yaml")]
