"""Every broken or hostile input of issue 20 through the real CLI, in one table: the exit code that
docs/commands.md documents for it, a short message and never a traceback, and no site when the
build fails. The cases' details (messages, memory, edge cases) are tested beside their code:
test_yaml_inputs.py, test_hostile_env.py, test_serve.py, test_input_encodings.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import LAYOUT_A, PROJECT_ROOT, papershelf_env, write_seeds

# Nine lists of nine, nine levels deep: 9**9 strings once expanded.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(8)
)
NOTE = "notes/graph-rewiring-done-right.md"

CASES = {
    "site.yml alias bomb": ({"site.yml": ALIAS_BOMB}, {}, ["build"], 3),
    "site.yml python tag": (
        {"site.yml": "title: !!python/object/apply:os.getcwd []\n"},
        {},
        ["build"],
        3,
    ),
    "site.yml huge integer": ({"site.yml": f"title: {'7' * 5000}\n"}, {}, ["build"], 3),
    "site.yml impossible date": (
        {"site.yml": "collections:\n  layout_a:\n    date: 2024-02-30\n"},
        {},
        ["build"],
        3,
    ),
    "note alias bomb": ({NOTE: f"---\n{ALIAS_BOMB}---\nText.\n"}, {}, ["build"], 3),
    "note python tag": (
        {NOTE: "---\ntags: !!python/name:os.system\n---\nText.\n"},
        {},
        ["build"],
        3,
    ),
    "note impossible date": (
        {"notes/collections/layout_a.md": "---\ndate: 2024-02-30\n---\nText.\n"},
        {},
        ["build"],
        3,
    ),
    "binary seed": ({"seeds/bad.txt": b"\x00\x01binary"}, {}, ["build"], 5),
    "SOURCE_DATE_EPOCH empty": ({}, {"SOURCE_DATE_EPOCH": ""}, ["build"], 7),
    "SOURCE_DATE_EPOCH not a number": ({}, {"SOURCE_DATE_EPOCH": "1e9"}, ["build"], 7),
    "SOURCE_DATE_EPOCH past 9999": ({}, {"SOURCE_DATE_EPOCH": "253402300800"}, ["build"], 7),
    "serve port too large": ({}, {}, ["serve", "--port", "70000"], 9),
    "serve port negative": ({}, {}, ["serve", "--port", "-1"], 9),
    "serve port not a number": ({}, {}, ["serve", "--port", "abc"], 2),
    "UTF-16 seed": (
        {"seeds/more.txt": "Solo Paper\nAn abstract.\n".encode("utf-16")},
        {},
        ["build"],
        0,
    ),
    "hidden seed": ({"seeds/.draft.txt": "Draft\nNot published.\n"}, {}, ["build"], 0),
}


def documented_exit_codes() -> set[int]:
    table = (PROJECT_ROOT / "docs" / "commands.md").read_text("utf-8").split("## Exit codes")[1]
    return {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}


@pytest.mark.parametrize("case", CASES)
def test_each_bad_input_gets_its_documented_exit_code_and_no_traceback(
    case: str, tmp_path: Path
) -> None:
    files, environment, args, expected = CASES[case]
    write_seeds(tmp_path / "seeds", {"layout_a.txt": LAYOUT_A})
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (tmp_path / name).write_bytes(data)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**papershelf_env(), **environment, "TMPDIR": str(temporary)}
    result = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == expected, result.stderr
    assert expected in documented_exit_codes()
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if expected == 0:  # read, not skipped: the UTF-16 dump adds its paper, the hidden one does not
        assert errors == [] and (tmp_path / "_site" / "index.html").is_file()
        papers = 4 if case == "UTF-16 seed" else 3
        assert result.stdout.startswith(f"papershelf: {papers} papers")
    elif expected != 2:  # argparse prints its usage lines before the one error line
        assert len(errors) == 1 and len(result.stderr) < 600, result.stderr
        assert not (tmp_path / "_site").exists()
    assert os.listdir(temporary) == []  # nothing left behind in the temporary folder
