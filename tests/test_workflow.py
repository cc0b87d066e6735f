"""The GitHub Pages workflow: actionlint finds nothing, and it publishes the site as built."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support import PROJECT_ROOT, actionlint

WORKFLOW = PROJECT_ROOT / ".github/workflows/pages.yml"


def test_actionlint_passes_the_workflow() -> None:
    result = subprocess.run(
        [actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "pages.yml"
    broken.write_text(WORKFLOW.read_text().replace("include-hidden-files", "include-hidden-file"))
    result = subprocess.run(
        [actionlint(), "-no-color", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert 'input "include-hidden-file" is not defined' in result.stdout


def test_workflow_builds_with_make_site_and_deploys_with_the_official_actions() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"branches": ["main"]} and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"]
    build_steps = workflow["jobs"]["build"]["steps"]
    uses = {step["uses"].split("@")[0]: step for step in build_steps if "uses" in step}
    assert uses["actions/configure-pages"]["id"] == "pages"
    upload = uses["actions/upload-pages-artifact"]
    assert upload["with"] == {"path": "_site/", "include-hidden-files": True}
    run = next(step for step in build_steps if "make site" in step.get("run", ""))
    assert run["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert 'BASE_URL="$BASE_URL/"' in run["run"] and "SOURCE_DATE_EPOCH" in run["run"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_make_site_passes_the_base_url_to_the_build() -> None:
    result = subprocess.run(
        ["make", "-n", "site", "BASE_URL=https://user.github.io/repo/"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "papershelf build --base-url https://user.github.io/repo/" in result.stdout
