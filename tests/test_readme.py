"""The README's API examples, run as written against a live server."""

import os
import re
import subprocess
import sys

import pytest

from .conftest import LIVE_TOKEN, ROOT

pytestmark = pytest.mark.e2e


def readme_blocks(kind: str) -> list[str]:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return re.findall(rf"<!-- readme-test: {kind} -->\n```\w+\n(.*?)```", text, re.S)


def test_the_readme_has_tested_examples():
    assert len(readme_blocks("curl")) == 1 and len(readme_blocks("python")) == 2 and len(readme_blocks("langchain")) == 1


def run(command: list[str], live_server: str) -> str:
    env = {**os.environ, "NEWSQA": live_server, "TOKEN": LIVE_TOKEN}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_curl_examples(live_server):
    out = run(["bash", "-ec", readme_blocks("curl")[0]], live_server)
    assert '"abstained":false' in out and '"article_id":"000_60b8ed085d617c0b"' in out
    assert "event: progress" in out and "event: answer" in out and "Shami" in out
    assert "event: token" not in out  # the unchecked draft never leaves the server
    assert '"added":1' in out and '"deleted":"zoo-1"' in out


def test_python_client_example(live_server):
    out = run([sys.executable, "-c", readme_blocks("python")[0]], live_server)
    lines = out.splitlines()
    assert re.match(r"(around |more than )?(104|100) \| ", lines[0])
    assert lines[1] == "104"
    assert "Farhad Shami" in out and "(searching)" in out and "(checking)" in out


def test_openai_client_example(live_server):
    out = run([sys.executable, "-c", readme_blocks("python")[1]], live_server)
    assert "Kadhimi" in out and "Sources:" in out and "000_60b8ed085d617c0b" in out


def test_langchain_script(tmp_path):
    """The README's LangChain script, as a user runs it: a fresh home with the seeds ingested, the real models."""
    from .servers import run_newsqa

    home = tmp_path / "home"
    ingest = run_newsqa(home, "ingest", os.path.join(ROOT, "seeds"))
    assert ingest.returncode == 0, ingest.stderr
    env = {**os.environ, "NEWSQA_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", readme_blocks("langchain")[0]], env=env, capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "LangChainDeprecationWarning" not in result.stderr  # nothing the script calls is deprecated
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["chain"].strip()
    assert "Shami" in lines["first"]
    assert re.search(r"\b(104|100)\b", lines["follow-up"])
    assert re.match(r"(around |more than )?(104|100) \| .*recaptured", lines["async"])
