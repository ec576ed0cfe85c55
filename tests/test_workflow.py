"""The deploy workflow gives pull requests (which run notebooks, i.e. arbitrary code) no write
token, lets no pull request cancel a deploy, tests every push and pull request, and runs only
actions pinned by commit."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def runs_on_pull_requests(job: dict) -> bool:
    """A job runs for pull requests unless its `if` excludes them."""
    condition = str(job.get("if", ""))
    return not re.search(r"github\.event_name\s*!=\s*'pull_request'", condition)


def writes(permissions: object) -> list[str]:
    if permissions in ("write-all", "read-all"):
        return ["*"] if permissions == "write-all" else []
    assert isinstance(permissions, dict), f"permissions should be a mapping, got {permissions!r}"
    return [scope for scope, level in permissions.items() if level == "write"]


def test_default_token_is_read_only(workflow):
    assert workflow["permissions"] == {"contents": "read"}


def test_every_job_declares_its_permissions(workflow):
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} inherits the workflow's permissions; give it its own"


def test_no_write_permission_on_pull_request_jobs(workflow):
    assert "pull_request" in workflow["on"]
    for name, job in workflow["jobs"].items():
        if runs_on_pull_requests(job):
            assert writes(job["permissions"]) == [], f"job {name} runs for pull requests with write access"


def test_only_deploy_writes_and_only_to_pages(workflow):
    jobs = workflow["jobs"]
    assert {name for name, job in jobs.items() if writes(job["permissions"])} == {"deploy"}
    assert sorted(writes(jobs["deploy"]["permissions"])) == ["id-token", "pages"]
    assert not runs_on_pull_requests(jobs["deploy"])
    assert "refs/heads/main" in jobs["deploy"]["if"]


def test_concurrency_only_on_deploy(workflow):
    assert "concurrency" not in workflow, "a workflow-level group lets a pull request cancel a pending deploy"
    holders = [name for name, job in workflow["jobs"].items() if "concurrency" in job]
    assert holders == ["deploy"]
    assert workflow["jobs"]["deploy"]["concurrency"]["cancel-in-progress"] is False


def test_a_job_runs_make_test_on_pushes_and_pull_requests(workflow):
    assert {"push", "pull_request"} <= set(workflow["on"])
    testers = [
        name for name, job in workflow["jobs"].items()
        if "if" not in job and any(step.get("run", "").strip() == "make test" for step in job["steps"])
    ]
    assert testers, "no job runs `make test` on every push and pull request"
    assert "test" in workflow["jobs"]["deploy"]["needs"]


def test_every_action_is_pinned_by_commit(workflow):
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses
    for ref in uses:
        assert SHA_PIN.match(ref), f"{ref} is not pinned to a full commit SHA"
    # and each pin names its version, so a reader (and Dependabot) knows what it is
    for line in WORKFLOW.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*(?:-\s*)?uses:", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+(?:\.\d+)*\s*$", line), f"no version comment: {line.strip()}"


def test_checkout_leaves_no_token_for_notebooks_to_read(workflow):
    """Notebooks and tests run the pull request's code: the job token must not sit in .git/config."""
    checkouts = [step for job in workflow["jobs"].values() for step in job["steps"]
                 if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False
