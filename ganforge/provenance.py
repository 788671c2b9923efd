"""What made an output: the ganforge version and, from a source checkout, its git commit.

Stored in a run's ``run.json``, a tabular model's ``model.json`` and a tabular ``report.json``.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def provenance() -> dict[str, Any]:
    """``{"ganforge": version, "git_commit": sha}``; the commit only when ganforge runs from a git
    checkout of its own source (never from an installed wheel, nor from some other repository)."""
    from ganforge import __version__

    out: dict[str, Any] = {"ganforge": __version__}
    commit = git_commit()
    if commit is not None:
        out["git_commit"] = commit
    return out


@functools.lru_cache(maxsize=None)
def git_commit(package_dir: Path = PACKAGE_DIR) -> str | None:
    """The commit checked out in the git work tree whose ``ganforge/`` folder is ``package_dir``, else None.

    Never fails: no git, no repository, a package installed inside someone else's repository (its
    folder is then not ``<top level>/ganforge``) or a slow git all give None.
    """
    try:
        result = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=package_dir,
                                capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2:
        return None
    top, commit = lines
    try:
        same = (Path(top) / package_dir.name).resolve() == package_dir.resolve()
    except OSError:
        return None
    return commit if same else None
