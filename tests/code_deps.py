"""Which of the project's source files a stage runs: its script and every gtzan module it imports,
followed through the imports of those modules (imports inside functions included)."""

import ast
from pathlib import Path

from conftest import REPO_ROOT

SOURCE_ROOT = REPO_ROOT / "src"
STAGES_ROOT = REPO_ROOT / "stages"  # `python stages/x.py` can import the modules beside it


def module_file(module: str) -> Path | None:
    """src/gtzan/a/b.py or src/gtzan/a/b/__init__.py for "gtzan.a.b", stages/x.py for the stage
    scripts' own module "x"; None if none exists."""
    if (STAGES_ROOT / f"{module}.py").is_file():
        return STAGES_ROOT / f"{module}.py"
    base = SOURCE_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """The gtzan modules (and stage modules) a file imports anywhere in its body, with the packages that hold them."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from gtzan import x` imports the module gtzan.x when there is one
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "gtzan" or (STAGES_ROOT / f"{parts[0]}.py").is_file():
                modules.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return {module for module in modules if module_file(module)}


def code_files(script: Path, extra_modules: tuple[str, ...] = ()) -> set[str]:
    """Repository-relative paths of the script and of every gtzan module it can run."""
    files = {script}
    pending = [script]
    pending += [file for file in map(module_file, extra_modules) if file]
    files.update(pending)
    while pending:
        for module in imported_modules(pending.pop()):
            file = module_file(module)
            if file not in files:
                files.add(file)
                pending.append(file)
    return {file.relative_to(REPO_ROOT).as_posix() for file in files}


def missing_code_deps(stage: str, script: str, deps: list[str], extra_modules: tuple[str, ...] = ()) -> list[str]:
    """One message per source file that the stage runs but does not list in its deps."""
    covered = [dep.rstrip("/") for dep in deps]
    return [
        f"stage {stage} runs {path} but its deps do not list it"
        for path in sorted(code_files(REPO_ROOT / script, extra_modules))
        if not any(path == dep or path.startswith(dep + "/") for dep in covered)
    ]
