"""The conda environment and pyproject.toml pin the same versions."""

from __future__ import annotations

import tomllib

import yaml

from conftest import REPO


def test_environment_yml_mirrors_pyproject_pins():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert set(pip_section) - {"-e ."} == pins
    assert all("==" in pin for pin in pins)
    assert "python=3.11" in env["dependencies"]
