"""The Dockerfile builds what the chart runs: a multi-stage, non-root image whose binary path
and supergraph path are the ones the rendered Deployments use. (No Docker daemon here: these are
static checks; the simulated deploy runs the same binary.)"""

import re

from deploylib import render as r

DOCKERFILE = (r.REPO / "Dockerfile").read_text()


def final_stage():
    return DOCKERFILE.split("\nFROM ")[-1]


def test_image_is_built_in_stages_and_runs_as_non_root():
    assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) >= 2
    user = re.search(r"^USER (\S+)", final_stage(), re.M)
    assert user and user.group(1).split(":")[0] not in ("0", "root")
    assert "--locked" in DOCKERFILE


def test_image_entrypoint_is_the_command_the_chart_runs(renders):
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', final_stage(), re.M).group(1)
    for dep in renders["values.yaml"].of_kind("Deployment"):
        spec = dep["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            assert c["command"] == [entry], dep["metadata"]["name"]


def test_image_files_come_from_the_repository():
    for src in re.findall(r"^COPY (?!--from)(\S+) ", final_stage(), re.M):
        assert src == "supergraph.graphql", src
    assert "supergraph.graphql" not in (r.REPO / ".dockerignore").read_text().split()
