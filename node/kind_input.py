"""What a person names and types to publish: a kind by its name, the fields they type for it, and
the error that names the input at fault.

Light on purpose (the kinds and nothing of the store, the keystore or the network): `solnet
publish` parses its options with it before it knows who signs — the running node, through its
local channel, or this process after unlocking the keystore (node/publishing.py does the rest).
"""
from __future__ import annotations

from typing import Any

from events.kinds import KINDS, Kind
from solnet_errors import Said, SolnetError

PRIVATE_FIELD = "sealed"  # the private part: never typed directly, made from `private` + `to`
CASE_NOTE_KINDS = ("support.claim", "support.close")


class PublishError(SolnetError, ValueError):
    """Input that cannot be published as given. `field` names the input at fault ('kind', a field
    of the kind, 'expires_in', 'as', 'private' or 'to'), or is None when no single field is; `key`
    and `values` the words a page says it in (SolnetError.key)."""

    reason, http_status = "invalid_field", 422

    def __init__(self, message: str, field: str | None = None, key: str | None = None, /, **values: Any) -> None:
        super().__init__(message)
        self.field, self.key, self.values = field, key, values

    @classmethod
    def of(cls, error: Exception | Said, field: str | None) -> PublishError:
        """`error` (refused by a rule of another module, or a rule's words, Said) as the refusal of
        `field`, its words kept."""
        return cls(str(error), field, getattr(error, "key", None), **getattr(error, "values", {}))


def kind_by_name(name: str) -> Kind:
    """The kind called `name` ('fundraiser-update' is accepted for 'fundraiser.update')."""
    kind = KINDS.get(name) or KINDS.get(name.replace("-", "."))
    if kind is None:
        raise PublishError(f"unknown kind {name!r}; one of: {', '.join(KINDS)}", "kind", "unknown_kind")
    return kind


def typed_fields(kind: Kind) -> list[str]:
    """The names of the fields a person types for `kind` (the private part and signatures are made, not typed)."""
    return [f.name for f in kind.fields if f.name != PRIVATE_FIELD and f.type != "signature"]
