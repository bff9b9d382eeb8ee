"""The README's runnable examples run as written."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blocks():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("code", [b for b in _blocks() if "asyncio.run(" in b])
def test_readme_asyncio_example(code):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    assert "hello, asyncio" in out.stdout


def test_readme_opens_with_the_two_commands():
    lines = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().splitlines()
    assert lines[0] == "```sh"
    assert lines[1].startswith("pip install . && ")
    assert lines[2].startswith("pip install '.[test]' && python -m pytest")
    assert lines[3] == "```"
