"""The operator's commands, run as a separate process as an operator would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "search-eval" / "listings.jsonl"


def marketplace(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MARKETPLACE_DATA_DIR": str(tmp_path / "var"),
        "MARKETPLACE_MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("MARKETPLACE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "marketplace.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path) -> None:
    result = marketplace(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "marketplace.db").exists()


def test_users_and_communities_are_created_from_the_command_line(tmp_path: Path) -> None:
    admin = marketplace(
        tmp_path,
        "users",
        "create",
        "--email",
        "admin@example.org",
        "--name",
        "Admin",
        "--password",
        "a long enough password",
        "--admin",
    )
    assert admin.returncode == 0, admin.stderr
    created = marketplace(
        tmp_path,
        "communities",
        "create",
        "--slug",
        "vide-dressing-test",
        "--name",
        "Vide-dressing test",
        "--visibility",
        "members",
        "--join-policy",
        "approval",
        "--join-question",
        "Votre quartier ?",
        "--pickup-area",
        "Belleville",
        "--pickup-area",
        "Gambetta",
        "--template",
        "vide-dressing",
        "--admin-email",
        "admin@example.org",
    )
    assert created.returncode == 0, created.stderr
    assert "vide-dressing-test" in created.stdout


def test_refused_command_says_why_in_one_line(tmp_path: Path) -> None:
    result = marketplace(
        tmp_path, "users", "create", "--email", "a@example.org", "--name", "A", "--password", "court"
    )
    assert result.returncode == 1
    assert "10 caractères" in result.stderr and "Traceback" not in result.stderr


def test_eval_corpus_imports_cleanly_and_reimport_changes_nothing(tmp_path: Path) -> None:
    count = len(DATA.read_text(encoding="utf-8").splitlines())
    first = marketplace(tmp_path, "import", "listings", str(DATA), "--create-communities")
    assert first.returncode == 0, first.stderr + first.stdout
    assert f"{count} annonces lues : {count} créées, 0 mise à jour, 0 inchangée, 0 ignorée." in first.stdout
    again = marketplace(tmp_path, "import", "listings", str(DATA), "--create-communities")
    assert again.returncode == 0, again.stderr
    assert f"{count} annonces lues : 0 créée, 0 mise à jour, {count} inchangées, 0 ignorée." in again.stdout


def test_worker_once_runs_every_job_and_exits(tmp_path: Path) -> None:
    result = marketplace(tmp_path, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "failed" not in result.stderr, result.stderr


def test_demo_loads_once(tmp_path: Path) -> None:
    first = marketplace(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    second = marketplace(tmp_path, "demo")
    assert second.returncode == 0, second.stderr
    assert "déjà" in second.stdout


@pytest.mark.parametrize(
    "command", [["--help"], ["run", "--help"], ["worker", "--help"], ["import", "listings", "--help"]]
)
def test_commands_document_themselves(tmp_path: Path, command: list[str]) -> None:
    result = marketplace(tmp_path, *command)
    assert result.returncode == 0 and "Usage" in result.stdout
