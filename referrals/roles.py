"""Who holds a role when the directory, not the configuration, says so.

`MemberIds` reads like the frozenset of SMLO ids it replaces, so the service and the
notifier check `user_id in smlo_ids` on every turn as before; the directory swaps in the
group's current members whenever it has read them. Each read sees one whole snapshot:
a refresh never shows half a membership.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet


class MemberIds(AbstractSet[str]):
    """Entra object ids holding a role, replaced whole by the directory."""

    def __init__(self, fallback: Iterable[str] = ()) -> None:
        # Until the group is first read, the configured ids (if any) hold the role.
        self._fallback = self._ids = frozenset(fallback)
        self.read_from_directory = False

    def replace(self, ids: Iterable[str]) -> None:
        self._ids = frozenset(ids)
        self.read_from_directory = True

    def fall_back(self) -> None:
        """The group's members are too old to trust: only the configured ids (if any) hold
        the role until the group is read again."""
        self._ids = self._fallback
        self.read_from_directory = False

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"MemberIds({len(self._ids)} ids, read_from_directory={self.read_from_directory})"
