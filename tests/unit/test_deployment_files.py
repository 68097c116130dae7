"""The production deployment files: Dockerfile, docker-compose.yml, .env.example, .dockerignore.

Docker does not run here, so these checks read the files: the compose file against the Compose
specification's JSON schema (offline, with check-jsonschema's vendored copy), and what a reviewer
of a production stack looks for: pinned images, health checks, start order, volumes, and secrets
that stay out of the repository and the image.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("app", "worker")
BACKING_SERVICES = ("postgres", "meilisearch")
REQUIRED_SECRETS = ("POSTGRES_PASSWORD", "MEILI_MASTER_KEY", "MEILISEARCH_API_KEY", "MARKETPLACE_SECRET_KEY")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|(^|_)KEY$|API_KEY|MASTER_KEY")
# "$$" is Compose's escape for a literal "$"; it is matched first so that it is skipped.
INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)")
ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
KNOWN_KEY_FORMATS = (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\b(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|sk_live_)"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            values[match.group(1)] = match.group(2).strip().strip("\"'")
    return values


def _strings(node: Any) -> list[str]:
    """Every string of a parsed YAML document, mapping keys included."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def _referenced_variables(text: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in INTERPOLATION.finditer(text) if m.group(0) != "$$"}


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    depends = service.get("depends_on", {})
    if isinstance(depends, list):  # short syntax: started, not healthy
        return {name: {"condition": "service_started"} for name in depends}
    return depends


def _looks_like_real_secret(line: str) -> bool:
    """A value with a long run of key-like characters mixing letters and digits, or a known key format."""
    text = line.strip().lstrip("#").strip()
    assignment = ENV_LINE.match(text)
    value = assignment.group(2) if assignment else text
    if re.search(KNOWN_KEY_FORMATS, value):
        return True
    for token in re.findall(r"[A-Za-z0-9+/_\-]{20,}", value):
        if re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", token):  # a variable name
            continue
        if re.search(r"[A-Za-z]", token) and re.search(r"[0-9]", token):
            return True
    return False


def _url_passwords(text: str) -> list[str]:
    return re.findall(r"://[^:/@\s]+:([^@\s]+)@", text)


# --- The compose file is valid Compose --------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification_schema() -> None:
    check_jsonschema = Path(sys.executable).parent / "check-jsonschema"
    assert check_jsonschema.exists(), "check-jsonschema is part of the [test] extra"
    result = subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_runs_the_four_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {*APP_SERVICES, *BACKING_SERVICES}


# --- Images are pinned ------------------------------------------------------------------------


def test_backing_services_run_the_pinned_image_versions(services: dict[str, dict[str, Any]]) -> None:
    assert services["postgres"]["image"] == "postgres:16"
    assert services["meilisearch"]["image"] == "getmeili/meilisearch:v1.21"


def test_no_service_image_floats_on_latest_or_an_implicit_tag(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} floats on latest"


def test_app_and_worker_run_the_same_image_built_from_this_repository(
    services: dict[str, dict[str, Any]],
) -> None:
    app, worker = services["app"], services["worker"]
    assert app["image"] == worker["image"]
    assert app["build"] == worker["build"]
    assert worker["command"] == ["marketplace", "worker"]
    assert app["command"] == ["marketplace", "run", "--host", "0.0.0.0", "--port", "8000"]  # noqa: S104


def test_dockerfile_base_images_are_pinned_and_the_runtime_is_python_311_slim() -> None:
    bases = re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.M | re.I))
    external = [base for base in bases if base not in stages]
    assert external, "no FROM line found"
    for base in external:
        _, _, tag = base.partition(":")
        assert tag and tag != "latest", f"base image {base!r} is not pinned by tag"
    assert bases[-1].startswith("python:3.11-slim"), "the runtime stage is python:3.11-slim"


# --- Health checks and start order ------------------------------------------------------------


def test_every_service_has_an_enabled_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        healthcheck = service.get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        test = healthcheck.get("test")
        assert test and test != ["NONE"], f"{name} has no healthcheck test"


def test_backing_service_healthchecks_probe_readiness(services: dict[str, dict[str, Any]]) -> None:
    postgres_test = " ".join(services["postgres"]["healthcheck"]["test"])
    meilisearch_test = " ".join(services["meilisearch"]["healthcheck"]["test"])
    assert "pg_isready" in postgres_test
    assert "/health" in meilisearch_test


def test_app_healthcheck_probes_health_endpoint_with_an_allowed_host(
    services: dict[str, dict[str, Any]],
) -> None:
    # The app rejects requests whose Host is not in MARKETPLACE_ALLOWED_HOSTS, so must the probe not be.
    for probe in (" ".join(services["app"]["healthcheck"]["test"]), DOCKERFILE.read_text(encoding="utf-8")):
        assert "http://127.0.0.1:8000/health" in probe
        assert "MARKETPLACE_ALLOWED_HOSTS" in probe


def test_app_and_worker_start_only_once_postgres_and_meilisearch_are_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in APP_SERVICES:
        depends = _depends_on(services[name])
        for backing in BACKING_SERVICES:
            assert depends.get(backing, {}).get("condition") == "service_healthy", (
                f"{name} does not wait for a healthy {backing}"
            )


def test_worker_starts_after_the_app_has_applied_migrations(services: dict[str, dict[str, Any]]) -> None:
    assert _depends_on(services["worker"]).get("app", {}).get("condition") == "service_healthy"


def test_every_service_restarts_after_a_crash_or_reboot(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert service.get("restart") in {"always", "unless-stopped"}, f"{name} has no restart policy"


# --- Data lives on named volumes --------------------------------------------------------------


def _named_volume(service: dict[str, Any], target: str) -> str | None:
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == target:
                return source
        elif volume.get("target") == target and volume.get("type", "volume") == "volume":
            return volume.get("source")
    return None


def test_database_search_index_and_photos_live_on_named_volumes(compose: dict[str, Any]) -> None:
    services, declared = compose["services"], set(compose.get("volumes") or {})
    mounts = {
        "postgres": _named_volume(services["postgres"], "/var/lib/postgresql/data"),
        "meilisearch": _named_volume(services["meilisearch"], "/meili_data"),
        "app": _named_volume(services["app"], "/app/media"),
        "worker": _named_volume(services["worker"], "/app/media"),
    }
    for name, source in mounts.items():
        assert source in declared, f"{name}: its data is not on a declared named volume"
    assert mounts["app"] == mounts["worker"], "app and worker must share the media volume"
    assert len({mounts["postgres"], mounts["meilisearch"], mounts["app"]}) == 3


def test_app_and_worker_store_photos_on_the_media_volume(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        assert services[name]["environment"]["MARKETPLACE_MEDIA_ROOT"] == "/app/media", name


# --- Production settings ----------------------------------------------------------------------


def test_meilisearch_runs_in_production_mode_with_a_master_key(services: dict[str, dict[str, Any]]) -> None:
    environment = services["meilisearch"]["environment"]
    assert environment["MEILI_ENV"] == "production"
    assert "${MEILI_MASTER_KEY" in environment["MEILI_MASTER_KEY"]


def test_app_and_worker_run_without_debug_and_read_secrets_from_the_env_file(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in APP_SERVICES:
        service = services[name]
        env_files = service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
        paths = [entry if isinstance(entry, str) else entry["path"] for entry in env_files]
        assert ".env" in paths, f"{name} does not read .env"
        assert service["environment"]["MARKETPLACE_DEBUG"] == "false", name
        assert service["environment"]["MEILISEARCH_URL"] == "http://meilisearch:7700", name
        assert "@postgres:5432/" in service["environment"]["MARKETPLACE_DATABASE_URL"], name
        assert service["environment"]["MARKETPLACE_DATABASE_URL"].startswith("postgresql+asyncpg://"), name


def test_compose_refuses_to_start_while_a_required_secret_is_missing(compose: dict[str, Any]) -> None:
    text = "\n".join(_strings(compose))
    for name in REQUIRED_SECRETS:
        assert re.search(r"\$\{" + name + r":\?", text), f"${{{name}}} is not required with ':?'"


def test_only_the_app_port_is_published(services: dict[str, dict[str, Any]]) -> None:
    for name in (*BACKING_SERVICES, "worker"):
        assert not services[name].get("ports"), f"{name} must not be published on the host"
    (port,) = services["app"]["ports"]
    assert str(port).endswith(":8000:8000")


def test_dockerfile_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}, "the image runs as root"
    assert re.search(r"^HEALTHCHECK\s", dockerfile, re.M)
    assert 'CMD ["marketplace", "run", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile


# --- Secrets stay out of the repository and the image -----------------------------------------


def test_env_example_lists_every_variable_the_compose_file_references(compose: dict[str, Any]) -> None:
    referenced = set().union(*(_referenced_variables(s) for s in _strings(compose)))
    assert referenced, "the compose file references no variable: this test would prove nothing"
    missing = referenced - set(_env_example())
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_explains_every_variable_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if ENV_LINE.match(line.strip()):
            assert index > 0 and lines[index - 1].lstrip().startswith("#"), f"no comment above {line!r}"


def test_env_example_leaves_every_secret_for_the_operator_to_fill_in() -> None:
    values = _env_example()
    for name in REQUIRED_SECRETS:
        assert name in values, f".env.example lacks {name}"
    for name, value in values.items():
        if SECRET_NAME.search(name):
            assert value == "", f"{name} must be empty in .env.example, not {value!r}"


def test_env_example_contains_no_real_looking_secret() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for line in text.splitlines():
        # Comments included: a commented-out line is still committed.
        assert not _looks_like_real_secret(line), f"real-looking secret in .env.example: {line!r}"
        for password in _url_passwords(line):
            assert password in {"PASSWORD", "${POSTGRES_PASSWORD}"}, f"password in a URL: {line!r}"


@pytest.mark.parametrize(
    "value",
    [
        # Computed, not written out, so that secret scanners do not flag this file.
        hashlib.sha256(b"openssl rand -hex 32").hexdigest(),
        base64.urlsafe_b64encode(hashlib.sha384(b"secrets.token_urlsafe(48)").digest()).decode(),
        "a1" * 10,
        "-----BEGIN RSA PRIVATE KEY-----",
    ],
)
def test_secret_detector_flags_generated_keys(value: str) -> None:
    assert _looks_like_real_secret(f"SOME_KEY={value}")


@pytest.mark.parametrize(
    "line",
    [
        "MARKETPLACE_ALLOWED_HOSTS=marketplace.example.org",
        "# MARKETPLACE_DATABASE_URL=postgresql+asyncpg://marketplace:PASSWORD@postgres:5432/marketplace",
        "MARKETPLACE_LISTING_LIFETIME_DAYS=30",
        "# (APP_BIND_ADDRESS=127.0.0.1); when the port is open to others",
    ],
)
def test_secret_detector_accepts_placeholders(line: str) -> None:
    assert not _looks_like_real_secret(line)


def test_dot_env_is_git_ignored() -> None:
    ignore_lines: set[str] = set()
    for name in (".gitignore", "deploy-gitignore.txt"):
        path = ROOT / name
        if path.exists():
            ignore_lines |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    assert ignore_lines & {".env", "/.env"}, ".env is not git-ignored"


def test_dot_env_and_local_state_stay_out_of_the_docker_build_context() -> None:
    patterns = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for pattern in (".env", ".git", ".venv", "var", "media"):
        assert pattern in patterns, f".dockerignore does not exclude {pattern}"
    # The image must still receive what it runs: the package and its templates.
    for needed in ("marketplace", "templates", "pyproject.toml"):
        assert needed not in patterns, f".dockerignore excludes {needed}"
