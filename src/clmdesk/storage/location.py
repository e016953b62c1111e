"""Warnings about where a SQLite file lives (storage layer).

WAL needs shared memory that network file systems and cloud-sync clients do
not provide reliably, so a database there can be corrupted.
"""

from __future__ import annotations

from pathlib import Path

from clmdesk.core.messages import Message
from clmdesk.storage.database import NETWORK_FOLDER

__all__ = ["risky_location"]

_NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "fuse.sshfs",
    "9p",
    "afs",
    "fuse.rclone",
    "davfs",
}
_SYNC_FOLDERS = (
    "dropbox",
    "onedrive",
    "google drive",
    "googledrive",
    "icloud",
    "icloud drive",
    "mega",
    "pcloud",
)


def _mount_type(path: Path, mounts_file: Path) -> str | None:
    try:
        lines = mounts_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    best, best_type = "", None
    text = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (
            text == mount_point or text.startswith(mount_point.rstrip("/") + "/")
        ) and len(mount_point) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def risky_location(
    path: Path, mounts_file: Path = Path("/proc/mounts")
) -> Message | None:
    """Return a warning when ``path`` sits on a network share or in a cloud-sync folder.

    Parameters
    ----------
    path
        The SQLite file.
    mounts_file
        The mount table to consult (Linux); missing elsewhere, which is fine.
    """
    resolved = path.expanduser().resolve()
    lowered = [part.lower() for part in resolved.parts]
    if str(resolved).startswith("\\\\") or any(
        part in _SYNC_FOLDERS or part.startswith("onedrive") for part in lowered
    ):
        return Message(NETWORK_FOLDER, {"location": str(resolved)})
    if _mount_type(resolved, mounts_file) in _NETWORK_FILESYSTEMS:
        return Message(NETWORK_FOLDER, {"location": str(resolved)})
    return None
