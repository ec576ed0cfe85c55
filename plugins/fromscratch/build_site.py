"""`make build`: build into a scratch folder of its own, then swap it in for `site/` at once.

A failed build leaves the old site as it was; two builds at the same time each have their
own scratch folder (no build deletes another's); readers of `site/` never see a moment
without it: on Linux the two folders are exchanged with one `renameat2(RENAME_EXCHANGE)`
call. No library offers that exchange (Python's `os` has no binding), hence ctypes.

    python -m fromscratch.build_site [--site-dir site] [mkdocs build options ...]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths; False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22):  # ENOSYS, EINVAL: kernel or file system without the flag
        return False
    raise OSError(errno, os.strerror(errno), str(a), None, str(b))


def swap_in(new: Path, site: Path) -> None:
    """Make `new` the site and delete the site it replaces."""
    if not site.exists():
        try:
            new.rename(site)
            return
        except OSError:
            if not site.exists():
                raise  # another build made `site` meanwhile: exchange with it below
    if _exchange(new, site):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the replaced site
        return
    # Elsewhere: move the old site aside, rename the new one in (a moment without `site`).
    old = Path(tempfile.mkdtemp(prefix=f".{site.name}-old-", dir=site.parent))
    site.rename(old / site.name)
    new.rename(site)
    shutil.rmtree(old, ignore_errors=True)


def scratch_dir(site: Path) -> Path:
    """A folder next to `site` (same file system, so the swap is a rename) that no other build uses."""
    site.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{site.name}-build-", dir=site.parent))
    umask = os.umask(0)
    os.umask(umask)
    scratch.chmod(0o777 & ~umask)  # mkdtemp makes it private; a site is for everyone to read
    return scratch


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    site = Path("site")
    if args[:1] == ["--site-dir"] and len(args) > 1:
        site = Path(args[1])
        args = args[2:]
    scratch = scratch_dir(site.absolute())
    try:
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(scratch), *args])
        if proc.returncode != 0:
            print(f"build failed: {site}/ is unchanged", file=sys.stderr)
            return proc.returncode
        swap_in(scratch, site.absolute())
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
