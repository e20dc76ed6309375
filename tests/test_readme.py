"""The README's commands are run by the tests, so the README cannot drift from what policykg does.

Convention for README.md (tell whoever edits it):

- Commands to run go in fenced ```console blocks, one per line, starting with ``$ ``; a line
  ending in a backslash continues on the next line. Lines without ``$ `` are sample output.
- Only ``policykg ...`` commands are run, in order, in one temporary directory that holds a copy
  of ``examples/`` (so ``policykg ingest examples --store kg`` then ``policykg query ... --store kg``
  work). Set-up lines (``pip install``, ``python3 -m venv``, ``bash .ci/run``, ``pytest``, ``cd``,
  ...) are not run.
- Each command must exit 0. A command that is meant to exit otherwise ends with a comment
  ``# exit N``; one that cannot run in a test (a server, a remote endpoint) ends with
  ``# not tested``. ``policykg serve`` is never run (it does not return).
- Python examples go in fenced ```python blocks. Each block is run on its own, as a script, by
  this interpreter in a fresh temporary directory holding a copy of ``examples/``, and must exit 0
  (so ``assert`` lines in the block are checked). A block that cannot run in a test starts with a
  comment line containing ``not tested``.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO_ROOT

README = REPO_ROOT / "README.md"
_FENCE = re.compile(r"^```console[^\n]*\n(.*?)^```", re.M | re.S)
_PYTHON_FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.M | re.S)


@dataclass(frozen=True)
class Command:
    line: int            # 1-based line of the README where the command starts
    text: str            # the shell command, continuation lines joined
    status: int          # the exit status it must have


def console_commands(markdown: str) -> list[Command]:
    """The ``$ policykg ...`` commands of the README's console blocks that the tests run."""
    commands = []
    for block in _FENCE.finditer(markdown):
        first_line = markdown.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).split("\n")
        i = 0
        while i < len(lines):
            raw, start = lines[i], first_line + i
            i += 1
            if not raw.startswith("$ "):
                continue
            text = raw[2:]
            while text.endswith("\\") and i < len(lines):
                text = text[:-1].rstrip() + " " + lines[i].strip()
                i += 1
            command, _, comment = text.partition(" #")
            command, comment = command.strip(), comment.strip()
            if not command.startswith("policykg ") or "not tested" in comment:
                continue
            if shlex.split(command)[1:2] == ["serve"]:
                continue
            wanted = re.match(r"exit (\d+)$", comment)
            commands.append(Command(start, command, int(wanted.group(1)) if wanted else 0))
    return commands


@dataclass(frozen=True)
class PythonBlock:
    line: int            # 1-based line of the README where the block's code starts
    code: str


def python_blocks(markdown: str) -> list[PythonBlock]:
    """The README's ```python blocks that the tests run (not those whose first line says ``not tested``)."""
    blocks = []
    for block in _PYTHON_FENCE.finditer(markdown):
        code = block.group(1)
        first = code.lstrip().split("\n", 1)[0]
        if first.startswith("#") and "not tested" in first:
            continue
        blocks.append(PythonBlock(markdown.count("\n", 0, block.start(1)) + 1, code))
    return blocks


SAMPLE = """Intro.

```console
$ python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'
$ policykg ingest examples \\
    --store kg
Ingested 6 of 6 files
$ policykg query rights --store kg --format csv   # shows CSV
$ policykg check --store kg  # exit 1
$ policykg serve --store kg
$ policykg push --endpoint http://localhost:8890/sparql  # not tested
$ pytest -q
```

```python
$ policykg not-a-console-block
```

```python
# not tested: needs a server
import SPARQLWrapper
```
"""


def test_console_commands_are_read_from_console_blocks_only():
    commands = console_commands(SAMPLE)
    assert [(c.line, c.text, c.status) for c in commands] == [
        (5, "policykg ingest examples --store kg", 0),
        (8, "policykg query rights --store kg --format csv", 0),
        (9, "policykg check --store kg", 1),
    ]


def test_python_blocks_are_read_unless_marked_not_tested():
    blocks = python_blocks(SAMPLE)
    assert [(b.line, b.code) for b in blocks] == [(16, "$ policykg not-a-console-block\n")]


COMMANDS = console_commands(README.read_text(encoding="utf-8")) if README.exists() else []


@pytest.fixture(scope="module")
def readme_dir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(EXAMPLES, work / "examples")
    return work


@pytest.mark.skipif(not README.exists(), reason="README.md does not exist yet")
def test_readme_has_commands_to_run():
    assert COMMANDS, "README.md has no ```console block with `$ policykg ...` lines"


@pytest.mark.parametrize("command", COMMANDS, ids=[f"line{c.line}" for c in COMMANDS])
def test_readme_command_runs(command: Command, readme_dir: Path):
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("POLICYKG_STORE", None)
    proc = subprocess.run(command.text, shell=True, cwd=readme_dir, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == command.status, (
        f"README.md line {command.line}: `{command.text}` exited {proc.returncode}, expected {command.status}\n"
        f"{proc.stderr[-2000:]}")


PYTHON_BLOCKS = python_blocks(README.read_text(encoding="utf-8")) if README.exists() else []


@pytest.mark.skipif(not README.exists(), reason="README.md does not exist yet")
def test_readme_has_a_python_example():
    assert PYTHON_BLOCKS, "README.md has no ```python block that the tests run"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"line{b.line}" for b in PYTHON_BLOCKS])
def test_readme_python_block_runs(block: PythonBlock, tmp_path: Path):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    env = dict(os.environ)
    env.pop("POLICYKG_STORE", None)
    proc = subprocess.run([sys.executable, "-c", block.code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"README.md python block at line {block.line} failed:\n{proc.stderr[-3000:]}"
