"""Incremental site builds: what the previous build wrote, keyed by content, and what to keep.

Every output of a build (a page, a feed, a digest web copy, a search shard) gets a key: a hash
of exactly what it is made from. The manifest in `.briefgen/` records each output's key and the
identity (inode, size, mtime) of every file of the site it describes. The next build renders
only outputs whose key changed; the others are hard-linked from the previous `site/` into the
new one after MkDocs has written its files, so no file shared by the two sites is ever written
in place. A file whose identity no longer matches (replaced or edited since) is rendered again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import pickle
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from briefgen.atomic_files import atomic_write

MANIFEST = "site-manifest.json"
"""The manifest of the current `site/`, in the project's state folder."""

BODIES = "site-bodies.json"
"""The rendered body of each brief page (for the feeds), beside the manifest."""

_FORMAT = 1
_LIBRARIES = ("mkdocs", "jinja2", "markdown", "markupsafe", "nh3", "css-inline", "pagefind-bin")

Stamp = tuple[int, int, int]
"""A file's identity: inode, size, modification time in nanoseconds."""


def stamp_of(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def walk(root: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every file under `root` with its `/`-separated relative path (symlinks not followed)."""
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((relative + "/", entry.path))
                else:
                    yield relative, entry


@dataclass
class Manifest:
    """What one build wrote into the site, and what it was made from."""

    keys: dict[str, str] = field(default_factory=dict)
    """Output (a site-relative file, or a folder ending in `/`) → key of what it holds."""
    stamps: dict[str, Stamp] = field(default_factory=dict)
    """Every file of the site → its identity when the build finished it."""
    inputs: str = ""
    """Fingerprint of every input of the site and the digest preview; empty until both are
    written, so that only a build that finished can make the next one skip its work."""
    preview: str = ""
    """`<relative path>:<sha256>` of the digest preview written with this site, if any."""

    @classmethod
    def load(cls, state_dir: Path) -> Manifest | None:
        try:
            data = json.loads((state_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # none yet, or unreadable: a full build
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        try:
            return cls(
                keys=dict(data["keys"]),
                stamps={
                    path: (int(s[0]), int(s[1]), int(s[2])) for path, s in data["stamps"].items()
                },
                inputs=str(data["inputs"]),
                preview=str(data["preview"]),
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None

    def save(self, state_dir: Path) -> None:
        data = {
            "format": _FORMAT,
            "inputs": self.inputs,
            "preview": self.preview,
            "keys": self.keys,
            "stamps": self.stamps,
        }
        atomic_write(state_dir / MANIFEST, json.dumps(data, separators=(",", ":")))

    def site_intact(self, site_dir: Path) -> bool:
        """Whether `site_dir` still holds exactly the files this manifest recorded."""
        if not site_dir.is_dir():
            return False
        seen = 0
        for relative, entry in walk(site_dir):
            recorded = self.stamps.get(relative)
            if recorded is None:
                return False
            info = entry.stat(follow_symlinks=False)
            if (info.st_ino, info.st_size, info.st_mtime_ns) != recorded:
                return False
            seen += 1
        return seen == len(self.stamps)


class Digester:
    """Content hashes of view models. Dataclasses, tuples, lists and dicts are reduced to
    plain tuples and pickled without memo, so equal values give equal bytes whatever objects
    they share. Each such object is hashed once and stands for its hash wherever it appears
    again: a listing's views, groups and feeds are shared by many pages."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, bytes]] = {}
        self._fields: dict[type, tuple[str, ...]] = {}

    def of(self, *values: object) -> str:
        return hashlib.sha256(_pickled(tuple(self._reduce(value) for value in values))).hexdigest()

    def _reduce(self, value: object) -> object:
        if isinstance(value, str | int | float | bytes | None):
            return value
        found = self._memo.get(id(value))
        if found is not None:
            return found[1]
        reduced: object
        if isinstance(value, tuple | list):
            reduced = tuple(self._reduce(item) for item in value)
        elif isinstance(value, dict):
            reduced = tuple((self._reduce(k), self._reduce(v)) for k, v in value.items())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            kind = type(value)
            names = self._fields.get(kind)
            if names is None:
                names = self._fields[kind] = tuple(f.name for f in dataclasses.fields(value))
            fields = tuple(self._reduce(getattr(value, name)) for name in names)
            reduced = (kind.__qualname__, fields)
        else:
            return value  # dates, paths...: pickled as they are
        digest = hashlib.sha256(_pickled(reduced)).digest()
        # Kept with its hash, so that its id is never reused by another object meanwhile.
        self._memo[id(value)] = (value, digest)
        return digest


def _pickled(value: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: the bytes depend on the values only
    pickler.dump(value)
    return buffer.getvalue()


def hash_folder(digest: Any, folder: Path) -> None:
    """Feed every file under `folder` (names and bytes) into `digest`."""
    if not folder.is_dir():
        digest.update(b"no folder\0")
        return
    for relative, entry in sorted(walk(folder), key=lambda item: item[0]):
        if "__pycache__" in relative.split("/"):
            continue
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        with open(entry.path, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())


def code_fingerprint() -> str:
    """briefgen's own code and data, and the versions of the libraries that render the site."""
    digest = hashlib.sha256(sys.version.encode())
    hash_folder(digest, Path(__file__).parent)
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


def render_fingerprint(config_file: Path | None, folders: Iterable[Path]) -> str:
    """What every page depends on: the code, `mkdocs.yml` and the template folders."""
    digest = hashlib.sha256(code_fingerprint().encode())
    if config_file is not None and config_file.is_file():
        digest.update(config_file.read_bytes())
    for folder in folders:
        digest.update(b"\0folder\0")
        hash_folder(digest, folder)
    return digest.hexdigest()


class SiteCache:
    """One build's use of the previous site: outputs whose key did not change are linked from
    it instead of being rendered again."""

    def __init__(
        self,
        previous_site: Path | None = None,
        manifest: Manifest | None = None,
        bodies: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.previous_site = previous_site
        self.previous = manifest if previous_site is not None else None
        self.keys: dict[str, str] = {}
        """This build's outputs → keys (the next manifest)."""
        self.reused: list[str] = []
        """Files to link from the previous site."""
        self.kept = 0
        """Outputs (pages, feeds, web copies, the search index) kept from the previous site."""
        self._old_bodies = dict(bodies or {})
        self.bodies: dict[str, tuple[str, str]] = {}
        """Brief id → (page key, rendered body), for the next build's feeds."""

    def reuse(self, path: str, key: str) -> bool:
        """Record that `path` holds `key`; True when the previous site's file can be kept."""
        self.keys[path] = key
        if not self._unchanged(path, key) or not self._intact(path):
            return False
        self.reused.append(path)
        self.kept += 1
        return True

    def reuse_folder(self, folder: str, key: str) -> bool:
        """The same for a whole folder (`folder` ends with `/`): every file it had."""
        self.keys[folder] = key
        if not self._unchanged(folder, key):
            return False
        assert self.previous is not None
        members = [path for path in self.previous.stamps if path.startswith(folder)]
        if not members or not all(self._intact(path) for path in members):
            return False
        self.reused += members
        self.kept += 1
        return True

    def body(self, brief_id: str, key: str) -> str | None:
        """The rendered body of a brief page the previous build rendered from the same key."""
        found = self._old_bodies.get(brief_id)
        if found is None or found[0] != key:
            return None
        self.bodies[brief_id] = found
        return found[1]

    def remember_body(self, brief_id: str, key: str, html: str) -> None:
        self.bodies[brief_id] = (key, html)

    def fill(self, staging: Path) -> int:
        """Link every reused file into `staging`, where the new build did not write one."""
        if self.previous_site is None:
            return 0
        linked = 0
        made: set[Path] = set()
        for path in self.reused:
            target = staging / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(self.previous_site / path, target)
            except FileExistsError:
                continue  # written by this build: its own file wins
            linked += 1
        return linked

    def manifest(self, staging: Path) -> Manifest:
        """The manifest of the finished `staging` site (inputs and preview still unset)."""
        stamps = {}
        for relative, entry in walk(staging):
            info = entry.stat(follow_symlinks=False)
            stamps[relative] = (info.st_ino, info.st_size, info.st_mtime_ns)
        return Manifest(keys=dict(sorted(self.keys.items())), stamps=dict(sorted(stamps.items())))

    def _unchanged(self, path: str, key: str) -> bool:
        return self.previous is not None and self.previous.keys.get(path) == key

    def _intact(self, path: str) -> bool:
        assert self.previous is not None and self.previous_site is not None
        recorded = self.previous.stamps.get(path)
        return recorded is not None and stamp_of(self.previous_site / path) == recorded


def load_bodies(state_dir: Path) -> dict[str, tuple[str, str]]:
    try:
        data = json.loads((state_dir / BODIES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(brief_id): (str(item[0]), str(item[1]))
        for brief_id, item in data.items()
        if isinstance(item, list) and len(item) == 2
    }


def save_bodies(state_dir: Path, bodies: Mapping[str, tuple[str, str]]) -> None:
    data = {brief_id: list(bodies[brief_id]) for brief_id in sorted(bodies)}
    atomic_write(state_dir / BODIES, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
