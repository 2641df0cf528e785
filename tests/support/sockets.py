"""Who listens where, read from Linux's /proc: a process's descendants, and the TCP sockets each one has in
LISTEN state (an address and port per socket). Tests check with it that the processes semcache starts
listen on loopback only, whatever the environment said."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Process", "descendants", "listening"]

_LISTEN = "0A"  # st column of /proc/net/tcp: TCP_LISTEN


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    cmdline: str

    def listens(self) -> list[tuple[str, int]]:
        return listening(self.pid)


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process (/proc/<pid>/stat; /proc/<pid>/task/*/children is not always built in)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it exited meanwhile
        found[int(stat.parent.name)] = int(fields[1])  # field 4 of stat(5): ppid
    return found


def descendants(pid: int) -> list[Process]:
    """Every process below `pid` (children, their children, ...), with its command line."""
    parents = _parents()
    found: list[Process] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for child in [c for c, p in parents.items() if p == parent]:
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # it exited meanwhile
            found.append(Process(child, parent, cmdline.strip()))
            pending.append(child)
    return found


def _address(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # The kernel prints the address as 32-bit words in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words)), int(port, 16)


def _listening_inodes() -> dict[str, tuple[str, int]]:
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == _LISTEN:
                found[fields[9]] = _address(fields[1])
    return found


def listening(pid: int) -> list[tuple[str, int]]:
    """The (address, port) of every TCP socket `pid` holds in LISTEN state."""
    inodes = _listening_inodes()
    found = []
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            found.append(inodes[target[8:-1]])
    return sorted(set(found))
