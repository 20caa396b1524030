#!/usr/bin/env python3
"""Refresh the web chat's vendored JavaScript (``g4f/gui/vendor/``) from npm, at pinned versions.

The page renders Markdown with ``marked`` and sanitizes it with ``DOMPurify``. Both are copied
into the package (no CDN, no build step at install time, the page works offline) from the npm
tarballs of the versions pinned below, with their licenses, and recorded in
``g4f/gui/vendor/VENDOR.json`` (version, the tarball's integrity as npm's registry states it,
and the SHA-256 of each file written). ``tests/gui/test_vendor.py`` checks the files against
that record, so a hand edit of a vendored file fails the tests.

Usage::

    python scripts/vendor-gui.py                   # the pinned versions, again
    python scripts/vendor-gui.py marked@18.3.0     # move one pin (then review the diff)

npm's ``pack`` downloads the tarball and checks it against the registry's integrity. The only
change made to the files is dropping the ``//# sourceMappingURL=`` line: the maps are not
shipped, and the line would make a browser's developer tools ask for a file that is not there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "g4f" / "gui" / "vendor"
MANIFEST = VENDOR / "VENDOR.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    #: file inside the tarball -> file name in g4f/gui/vendor/
    files: dict[str, str]


#: The pins. Change a version here (or pass name@version) and run the script.
PACKAGES = (
    Package("marked", "18.2.1", {
        "package/lib/marked.esm.js": "marked.esm.js",
        "package/LICENSE": "LICENSE.marked.md",
    }),
    Package("dompurify", "3.5.0", {
        "package/dist/purify.es.mjs": "purify.es.mjs",
        # DOMPurify is dual-licensed (Apache-2.0 or MPL-2.0): both texts are shipped.
        "package/LICENSE": "LICENSE.dompurify.txt",
        "package/LICENSE-MPL": "LICENSE-MPL.dompurify.txt",
    }),
)


def _strip_source_map(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(b"//# sourceMappingURL="))


def _pack(spec: str, into: Path) -> dict[str, str]:
    """``npm pack spec`` into ``into``; returns npm's description of the tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("vendor-gui: npm is not installed (it downloads the pinned tarballs)")
    done = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(into)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"vendor-gui: npm pack {spec} failed: {done.stderr.strip()}")
    described: dict[str, str] = json.loads(done.stdout)[0]
    return described


def vendor(packages: tuple[Package, ...]) -> dict[str, object]:
    manifest: dict[str, object] = {}
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for package in packages:
            described = _pack(f"{package.name}@{package.version}", Path(tmp))
            if described["version"] != package.version:
                raise SystemExit(f"vendor-gui: npm gave {package.name} {described['version']}, "
                                 f"not {package.version}")
            written: dict[str, str] = {}
            with tarfile.open(Path(tmp) / described["filename"]) as tar:
                for member, target in package.files.items():
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        raise SystemExit(f"vendor-gui: {package.name} has no {member}")
                    data = extracted.read()
                    if target.endswith((".js", ".mjs")):
                        data = _strip_source_map(data)
                    (VENDOR / target).write_bytes(data)
                    written[target] = hashlib.sha256(data).hexdigest()
            manifest[package.name] = {
                "version": package.version,
                "integrity": described["integrity"],
                "tarball": f"https://registry.npmjs.org/{package.name}/-/{described['filename']}",
                "files": written,
            }
            print(f"vendor-gui: {package.name} {package.version} -> {', '.join(written)}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("pins", nargs="*", metavar="NAME@VERSION", help="move these pins for this run")
    args = parser.parse_args(argv)
    moved = dict(pin.rsplit("@", 1) for pin in args.pins)
    unknown = set(moved) - {p.name for p in PACKAGES}
    if unknown:
        parser.error(f"not vendored: {', '.join(sorted(unknown))}")
    packages = tuple(Package(p.name, moved.get(p.name, p.version), p.files) for p in PACKAGES)
    vendor(packages)
    if moved:
        print("vendor-gui: update PACKAGES in scripts/vendor-gui.py to keep the new pins", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
