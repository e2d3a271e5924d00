import pathlib

import pytest

from deploylib import render as r


@pytest.fixture(scope="session")
def chart_dir():
    """The chart, staged once with its linked files resolved."""
    with r.staged_tempdir() as tmp:
        yield r.stage_chart(pathlib.Path(tmp))


@pytest.fixture(scope="session")
def renders(chart_dir):
    """One rendering per values file, as `helm install -f chart/<file>` would produce."""
    return {vf: r.render(chart_dir, vf) for vf in r.VALUES_FILES}


@pytest.fixture(params=r.VALUES_FILES)
def rendered(request, renders):
    return renders[request.param]
