"""Web-provider credentials shared through Redis: a cookie rotated by one instance is used by all.

A provider such as Grok keeps its login in the auth cache (:class:`g4f.auth.cache.AuthCache`,
files in the config folder) and saves it again whenever the upstream rotates a cookie; the old
cookie may stop working at once. With ``--redis`` and ``G4F_SECRET_KEY`` set, the API server
installs a :class:`SharedCredentials` as the cache's shared layer, and the cache consults it:

* ``load`` returns the newest record known to the whole deployment (this worker's mirror of the
  Redis hash ``g4f:auth``), unless the local file is newer (a ``g4f login`` on this machine);
* ``save`` updates the mirror at once and pushes the record in the background; Redis keeps the
  newest record (records carry the time they were saved) and publishes it to every worker;
* ``invalidate`` drops the shared record only if it is still the one this cache loaded, so a
  worker whose old cookie was rejected does not delete the fresh one another instance saved.

What goes into Redis is sealed with AES-GCM (:mod:`g4f.shared.crypto`); without a secret key
nothing is shared. The mirror lives in memory only; files are written by the cache as before.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..auth.result import AuthResult
from ..config import auth_dir
from ..requests.jsonlib import dumps, loads
from .crypto import Sealer, SealError
from .redis_backend import PREFIX
from .redis_link import RedisLink, Unavailable

if TYPE_CHECKING:
    from ..auth.cache import AuthCache

__all__ = ["AUTH_KEY", "SharedCredentials"]

logger = logging.getLogger("g4f")

AUTH_KEY = f"{PREFIX}auth"

#: ARGV: provider name, record (JSON with "v"). Keeps the newer record; publishes and returns the winner.
SAVE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local current = cjson.decode(raw)
  if current.v >= cjson.decode(ARGV[2]).v then return raw end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], cjson.encode({t = 'auth', n = ARGV[1], r = ARGV[2]}))
return ARGV[2]
"""

#: ARGV: provider name, version. Deletes the record only if it is still that version.
DROP = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw and cjson.decode(raw).v == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('PUBLISH', KEYS[2], cjson.encode({t = 'auth', n = ARGV[1], r = false, v = ARGV[2]}))
  return 1
end
return 0
"""


def _version(at_ns: int | None = None) -> str:
    """Sortable as text: the save time in ns, zero-padded, then a random tail."""
    import os

    return f"{(at_ns if at_ns is not None else time.time_ns()):020d}-{os.urandom(4).hex()}"


def _version_time_ns(version: str) -> int:
    try:
        return int(version.partition("-")[0])
    except ValueError:
        return 0


@dataclass(frozen=True)
class _Record:
    version: str
    data: dict[str, Any]


class SharedCredentials:
    """The auth cache's shared layer: a mirror of ``g4f:auth``, kept in step in the background."""

    def __init__(self, link: RedisLink, sealer: Sealer, channel: str) -> None:
        self.link = link
        self.channel = channel
        self._sealer = sealer
        self._save = link.client.register_script(SAVE)
        self._drop = link.client.register_script(DROP)
        self._mirror: dict[str, _Record] = {}
        self._dirty: set[str] = set()
        self._drops: dict[str, str] = {}
        self._seen: weakref.WeakKeyDictionary[AuthCache, str] = weakref.WeakKeyDictionary()
        self._undecryptable: set[str] = set()
        self._lock = threading.Lock()
        self._bypass = threading.local()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._push_loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # -- the cache's hooks (sync, on the request's path: memory only) --------------------------
    def has(self, cache: AuthCache) -> bool:
        return cache.provider_name in self._mirror

    def load(self, cache: AuthCache) -> AuthResult | None:
        """The shared record, unless there is none or the local file is newer (then None: the file)."""
        record = self._mirror.get(cache.provider_name)
        if record is None or getattr(self._bypass, "on", False):
            return None
        try:
            file_time = cache.path.stat().st_mtime_ns
        except OSError:
            file_time = 0
        if file_time > _version_time_ns(record.version):
            self._offer_file(cache, file_time)
            return None
        try:
            self._seen[cache] = record.version
        except TypeError:  # a cache that cannot be weakly referenced: its invalidate drops nothing shared
            pass
        return AuthResult.from_dict(loads(dumps(record.data)))

    def save(self, cache: AuthCache, auth_result: AuthResult, at_ns: int | None = None) -> None:
        record = _Record(_version(at_ns), loads(dumps(auth_result.to_dict())))
        with self._lock:
            self._mirror[cache.provider_name] = record
            self._dirty.add(cache.provider_name)
            self._drops.pop(cache.provider_name, None)
        self._poke()

    def invalidate(self, cache: AuthCache) -> None:
        seen = self._seen.pop(cache, None)
        name = cache.provider_name
        with self._lock:
            record = self._mirror.get(name)
            if seen is None or record is None or record.version != seen:
                return  # not what this cache used: a newer record stays
            del self._mirror[name]
            self._dirty.discard(name)
            self._drops[name] = seen
        self._poke()

    def _offer_file(self, cache: AuthCache, file_time: int) -> None:
        """A file newer than the shared record (a login on this machine): share it, dated by the file."""
        if cache.provider_name not in self._dirty:
            found = self._read_file(cache)
            if found is not None:
                self.save(cache, found, at_ns=file_time)

    def _read_file(self, cache: AuthCache) -> AuthResult | None:
        """The file's own record: ``cache.load()`` with this layer stepping aside (in this thread)."""
        self._bypass.on = True
        try:
            return cache.load()
        finally:
            self._bypass.on = False

    def _poke(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:
                pass

    # -- background ----------------------------------------------------------------------------
    async def _push_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self.link.up:
                continue  # the resync pushes what is waiting
            try:
                await self.push_pending()
            except Unavailable:
                pass

    async def push_pending(self) -> None:
        with self._lock:
            dirty = {name: self._mirror[name] for name in self._dirty if name in self._mirror}
            drops = dict(self._drops)
        for name, record in dirty.items():
            sealed = self._seal(name, record)
            winner = await self.link.run(self._save, keys=[AUTH_KEY, self.channel], args=[name, sealed])
            with self._lock:
                if self._mirror.get(name) is record:
                    self._dirty.discard(name)
            if winner != sealed.encode():  # another instance saved a newer one meanwhile
                self._take(name, winner)
        for name, version in drops.items():
            await self.link.run(self._drop, keys=[AUTH_KEY, self.channel], args=[name, version])
            with self._lock:
                if self._drops.get(name) == version:
                    del self._drops[name]

    async def resync(self) -> None:
        """At start and after an outage: offer every record this worker has (Redis keeps the newer
        one of each, so one that restarted empty gets them back), then take the shared ones."""
        with self._lock:
            self._dirty.update(self._mirror)
        await self.push_pending()
        await self.pull()

    async def pull(self) -> None:
        flat = await self.link.run(self.link.client.hgetall, AUTH_KEY)
        remote = {(name.decode() if isinstance(name, bytes) else str(name)): raw for name, raw in flat.items()}
        for name, raw in remote.items():
            self._take(name, raw)
        with self._lock:
            for name in set(self._mirror) - set(remote) - self._dirty:
                del self._mirror[name]  # dropped by another instance

    async def share_files(self) -> None:
        """Offer the logins found in this machine's auth cache (newer records win in Redis)."""
        from ..auth.cache import AuthCache as Cache

        try:
            paths = sorted(auth_dir().glob("*.json"))
        except OSError:
            return
        for path in paths:
            if path.name.startswith("."):
                continue
            cache = Cache(path.stem)
            try:
                file_time = path.stat().st_mtime_ns
            except OSError:
                continue
            record = self._mirror.get(cache.provider_name)
            if record is not None and _version_time_ns(record.version) >= file_time:
                continue
            found = self._read_file(cache)
            if found is not None:
                self.save(cache, found, at_ns=file_time)
        await self.push_pending()

    def apply_message(self, message: dict[str, Any]) -> None:
        """A record another worker published (``{"n": name, "r": record or false, "v": dropped}``)."""
        name, raw = message.get("n"), message.get("r")
        if not isinstance(name, str):
            return
        if raw is False:
            with self._lock:
                record = self._mirror.get(name)
                if record is not None and record.version == message.get("v") and name not in self._dirty:
                    del self._mirror[name]
            return
        if isinstance(raw, str):
            self._take(name, raw.encode())

    def _take(self, name: str, raw: Any) -> None:
        """Open a sealed record and mirror it, unless this worker has a newer one waiting."""
        try:
            envelope = loads(raw)
            version = str(envelope["v"])
            data = loads(self._sealer.open(base64.b64decode(envelope["d"]), name.encode()))
        except SealError:
            if name not in self._undecryptable:
                self._undecryptable.add(name)
                logger.warning("shared state: %s's shared credentials do not open with this G4F_SECRET_KEY (every "
                               "instance needs the same one); using this machine's own", name)
            return
        except (ValueError, KeyError, TypeError):
            data = None
        if not isinstance(data, dict):
            logger.debug("shared state: ignoring a malformed credentials record for %s", name)
            return
        self._undecryptable.discard(name)
        with self._lock:
            current = self._mirror.get(name)
            if current is not None and current.version > version:
                return  # this worker's newer record is (or will be) pushed, and wins in Redis
            self._mirror[name] = _Record(version, data)
            self._dirty.discard(name)

    def _seal(self, name: str, record: _Record) -> str:
        sealed = self._sealer.seal(dumps(record.data), name.encode())
        return dumps({"v": record.version, "d": base64.b64encode(sealed).decode()}).decode()

    def __repr__(self) -> str:
        return f"SharedCredentials({len(self._mirror)} providers)"

