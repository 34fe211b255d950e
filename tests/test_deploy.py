"""The deployment files, checked against each other and the README's Deploy section: the
Dockerfile's RUN steps are the README's host install, the image runs `dealbot serve` as a user
that is not root with a readiness healthcheck, compose.yaml runs PostgreSQL and two replicas,
and the systemd unit runs what the install put in place. Linters and validators run where they
are installed (hadolint and the compose spec's schema come with the test extra; docker compose
and systemd-analyze where the machine has them)."""

from __future__ import annotations

import http.server
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import yaml
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
UNIT = ROOT / "deploy" / "dealbot.service"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments left out."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = " ".join((pending + line).split())
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((word.upper(), rest))
    return out


STEPS = instructions(DOCKERFILE.read_text(encoding="utf-8"))
FINAL = STEPS[max(i for i, (word, _) in enumerate(STEPS) if word == "FROM") :]


def final(word: str) -> list[str]:
    return [rest for w, rest in FINAL if w == word]


def section(title: str, level: str = "## ") -> str:
    start = README.index(f"\n{level}{title}\n")
    end = README.find(f"\n{level}", start + 1)
    return README[start : end if end != -1 else len(README)]


DEPLOY = section("Deploy")


def run_commands() -> list[str]:
    """Every RUN of the Dockerfile, a command per `&&`, spaces normalised."""
    return [
        " ".join(part.split()) for word, rest in STEPS if word == "RUN" for part in rest.split("&&")
    ]


def install_lines() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", section("Install on a host", "### "), re.DOTALL)
    assert block, "the README's 'Install on a host' has no ```sh block"
    return [" ".join(line.split()) for line in block.group(1).splitlines() if line.strip()]


def test_every_run_step_of_the_dockerfile_is_a_line_of_the_readme_install():
    lines = install_lines()
    assert run_commands(), "the Dockerfile has no RUN step"
    for command in run_commands():
        assert command in lines, f"Dockerfile RUN `{command}` is not in the README's install"
    # and back: what builds dealbot on a host is what the image runs
    building = [line for line in lines if re.match(r"(groupadd|useradd|python3|\S*pip) ", line)]
    assert building and set(building) <= set(run_commands())


def test_the_image_installs_the_package_with_runtime_dependencies_only():
    pip = [c for c in run_commands() if re.search(r"\bpip install\b", c)]
    # every platform's SDK (the extras), never the test extra, never editable
    assert len(pip) == 1 and shlex.split(pip[0])[-1] == ".[all]", pip
    copied = " ".join(final("COPY") + [r for w, r in STEPS if w == "COPY"])
    for needed in (*PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"], "pyproject"):
        assert needed.rstrip("*") in copied, f"the image does not copy {needed}"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for package in ("bot", "adapters", "storage", "messages", "pyproject.toml", "LICENSE"):
        assert package not in ignored


def test_the_image_is_multi_stage_on_a_slim_python_and_runs_as_no_root():
    bases = [rest for word, rest in STEPS if word == "FROM"]
    assert len(bases) >= 2, "not a multi-stage build"
    args = dict(rest.split("=", 1) for word, rest in STEPS if word == "ARG" and "=" in rest)
    image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), bases[-1].split()[0])
    assert image.startswith("python:") and "slim" in image, image
    assert final("COPY") and all("--from=build" in c for c in final("COPY"))  # no source tree
    (user,) = final("USER")
    assert user.split(":")[0] not in ("root", "0"), user
    uid = re.search(r"--uid (\d+)", " ".join(run_commands()))
    assert uid and user.split(":")[0] in (uid.group(1), "dealbot")


def test_the_entry_point_is_dealbot_serve():
    assert json.loads(final("ENTRYPOINT")[-1]) == ["dealbot"]
    assert json.loads(final("CMD")[-1]) == ["serve"]
    assert PYPROJECT["project"]["scripts"]["dealbot"] == "adapters.cli.main:main"


def healthcheck_argv() -> list[str]:
    (check,) = final("HEALTHCHECK")
    return json.loads(check[check.index("CMD ") + 4 :])


def test_the_healthcheck_asks_readyz_on_the_configured_port():
    argv = healthcheck_argv()
    assert "/readyz" in argv[-1] and "DEALBOT_SERVER_PORT" in argv[-1]
    env = " ".join(final("ENV"))
    port = re.search(r"DEALBOT_SERVER_PORT=(\d+)", env)
    assert port and final("EXPOSE") == [port.group(1)]
    assert "DEALBOT_SERVER_HOST=0.0.0.0" in env


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_healthcheck_command_fails_when_readyz_does(status, healthy):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = status if self.path == "/readyz" else 404
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        argv = healthcheck_argv()
        assert argv[0] == "python3"
        env = {"DEALBOT_SERVER_PORT": str(server.server_address[1])}
        done = subprocess.run(
            [sys.executable, *argv[1:]], check=False, env=env, capture_output=True
        )
    finally:
        server.shutdown()
    assert (done.returncode == 0) is healthy


def hadolint() -> str | None:
    return shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )


@pytest.mark.skipif(hadolint() is None, reason="hadolint not installed (the test extra has it)")
def test_hadolint_finds_nothing():
    done = subprocess.run(
        [hadolint(), str(DOCKERFILE)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


COMPOSED = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # merges `<<: *dealbot`
SERVICES = COMPOSED["services"]
REPLICAS = {
    name: s
    for name, s in SERVICES.items()
    if s.get("image", "").startswith("dealbot") and s.get("command", ["serve"])[0] == "serve"
}


def interpolated(value: str) -> str:
    return re.sub(r"\$\{(\w+)[^}]*\}", lambda m: "x" if "PASSWORD" in m.group(1) else "", value)


def test_compose_runs_postgres_and_two_replicas_on_it():
    postgres = SERVICES["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert len(REPLICAS) == 2, sorted(SERVICES)
    for name, replica in REPLICAS.items():
        url = make_url(interpolated(replica["environment"]["DEALBOT_DATABASE_URL"]))
        assert url.get_backend_name() == "postgresql" and url.host == "postgres", name
        assert url.username == postgres["environment"]["POSTGRES_USER"]
        assert url.database == postgres["environment"]["POSTGRES_DB"]
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        check = " ".join(replica["healthcheck"]["test"])
        port = replica["environment"]["DEALBOT_SERVER_PORT"]
        assert f":{port}/readyz" in check, check
        assert all(p.startswith("127.0.0.1:") for p in replica.get("ports", []))  # proxy only
    assert len({p for r in REPLICAS.values() for p in r.get("ports", [])}) == len(REPLICAS)


def test_compose_migrates_once_before_the_replicas():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    for replica in REPLICAS.values():
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_passes_secrets_by_environment_only():
    names = set().union(*(r["environment"] for r in REPLICAS.values()))
    for name in names:
        assert re.fullmatch(r"DEALBOT_[A-Z]+_[A-Z_]+", name), name
    for replica in REPLICAS.values():
        for name, value in replica["environment"].items():
            if any(w in name for w in ("SECRET", "TOKEN", "KEY", "PASSWORD")):
                assert value.startswith("${"), f"{name} is written in compose.yaml"
    for name in ("DEALBOT_DATABASE_URL", "DEALBOT_SERVER_HOST", "DEALBOT_SERVER_PORT"):
        assert name in names and name in DEPLOY


def compose_schema() -> dict | None:
    try:
        vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    except ModuleNotFoundError:
        return None
    return json.loads((vendored / "compose-spec.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(compose_schema() is None, reason="check-jsonschema (test extra) not installed")
def test_compose_file_follows_the_compose_spec_schema():
    import jsonschema

    schema = compose_schema()
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(COMPOSED))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], check=False, capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(compose_command() is None, reason="neither docker compose nor docker-compose")
def test_docker_compose_config_accepts_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path), "POSTGRES_PASSWORD": "x"}
    argv = [*compose_command(), "--project-directory", str(ROOT), "-f", str(COMPOSE)]
    done = subprocess.run(
        [*argv, "config", "-q"], check=False, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # no password: refused with the reason, not started with none
    refused = subprocess.run(
        [*argv, "config", "-q"],
        check=False,
        env={**env, "POSTGRES_PASSWORD": ""},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr


def unit() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def test_the_systemd_unit_serves_what_the_install_put_in_place():
    keys = unit()
    (start,) = keys["ExecStart"]
    argv = shlex.split(start)
    assert argv[:2] == ["/opt/dealbot/bin/dealbot", "serve"]
    lines = install_lines()
    assert "python3 -m venv /opt/dealbot" in lines
    assert keys["User"] == ["dealbot"] and any(" dealbot" in line for line in lines)
    assert keys["WorkingDirectory"] == ["/var/lib/dealbot"]
    assert "--home-dir /var/lib/dealbot" in " ".join(lines)
    config = argv[argv.index("--config") + 1]
    assert any(line.endswith(config) for line in lines), f"the install does not write {config}"
    assert keys["Restart"] == ["on-failure"] and keys["KillSignal"] == ["SIGTERM"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_analyze_verifies_the_unit():
    done = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "/opt/dealbot/bin/dealbot is not executable" not in line
    ]  # the binary exists once installed; anything else is a mistake in the unit
    assert not complaints, complaints


def test_the_deploy_section_names_every_platform_route_and_keeps_probes_internal():
    routes = set()
    for path in ROOT.glob("adapters/*/platform.py"):
        routes |= set(re.findall(r'Route\(\s*"(/[^"]+)"', path.read_text(encoding="utf-8")))
    assert {"/slack/events", "/feishu/events", "/wecom/callback", "/wecom/aibot"} <= routes
    proxy = section("Behind a reverse proxy", "### ")
    for route in routes:
        assert f"`{route}`" in proxy, route
    internal = next(line for line in proxy.splitlines() if "internal only" in line)
    for probe in ("/livez", "/readyz", "/metrics"):
        assert probe in internal


def test_the_metrics_the_deploy_section_names_exist():
    source = (ROOT / "adapters/server/metrics.py").read_text(encoding="utf-8")
    defined = set(re.findall(r'"(dealbot_\w+)"', source))
    named = set(re.findall(r"\b(dealbot_[a-z_]+)", section("Monitoring", "### ")))
    assert named, "Monitoring names no metric"
    for name in named:
        base = name.removesuffix("_total")
        assert base in defined, f"{name} is not a metric of adapters/server/metrics.py"


def test_license_and_changelog():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {PYPROJECT['project']['version']}" in changelog
