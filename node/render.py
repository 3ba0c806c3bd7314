"""Events and read-model rows as plain JSON-able values (hex ids, ISO times) and as lines for people.

The same conversion serves `solnet ... --json`, the HTTP API and the dashboard, so an id or a
time looks the same everywhere.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from events.canonical import unpack
from events.errors import InvalidEvent
from events.kinds import KINDS
from node.store import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED

BODY_STATES = {BODY_PRESENT: "present", BODY_MISSING: "missing", BODY_REDACTED: "redacted", BODY_EXPIRED: "expired"}
MONEY_FIELDS = ("goal", "raised", "pledge", "pledged")
TIME_KEYS = ("starts_at", "ends_at", "until", "ts", "expires", "revoked_at")


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


def plain(value: Any) -> Any:
    """bytes -> hex, recursively; everything else unchanged."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def view_json(data: Any) -> Any:
    """A read model (node.views) as JSON-able values: times under TIME_KEYS as ISO strings, bytes hex."""
    if isinstance(data, dict):
        return {k: (iso(v) if k in TIME_KEYS and isinstance(v, int) else view_json(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [view_json(v) for v in data]
    return plain(data)


def public_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields anyone may see, JSON-ready: times as ISO strings, ids hex, the private part replaced
    by a flag."""
    spec = KINDS.get(kind)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        field = spec.field(name) if spec else None
        if name == "sealed":
            out["has_private"] = True
        elif field is not None and field.type == "time":
            out[name] = iso(value)
        else:
            out[name] = plain(value)
    return out


def event_fields(row: tuple) -> dict[str, Any] | None:
    body = row[8]
    if body is None or row[4] not in KINDS:
        return None
    try:
        value = unpack(body)
    except InvalidEvent:
        return None
    return value if isinstance(value, dict) else None


def event_json(row: tuple, group_of: dict[bytes, bytes] | None = None) -> dict[str, Any]:
    """A stored event row (id, author, seq, ts, kind, expires, header, sig, body, body_state) as JSON."""
    event_id, author, seq, ts, kind, expires, _header, _sig, _body, body_state = row
    out: dict[str, Any] = {
        "id": event_id.hex(),
        "kind": kind,
        "author": author.hex(),
        "seq": seq,
        "timestamp": iso(ts),
        "expires": iso(expires),
        "body": BODY_STATES[body_state],
    }
    if group_of is not None and author in group_of:
        out["group"] = group_of[author].hex()
    fields = event_fields(row)
    if fields:
        out.update({k: v for k, v in public_fields(kind, fields).items() if k not in out})
    return out


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}"


def summary(kind: str, fields: dict[str, Any] | None) -> str:
    """One short line describing an event's content, for `ls`."""
    if not fields:
        return ""
    f = fields
    if kind == "action":
        return f"{f['title']} — {f['type'].replace('_', ' ')}, {local_time(f['starts_at'])}"
    if kind == "fundraiser":
        return f"{f['title']} — goal {money(f['goal'], f['currency'])}"
    if kind == "fundraiser.update":
        if "raised" in f:
            return f"raised so far {f['raised'] / 100:,.2f} for {f['fundraiser'].hex()[:12]}"
        return f"pledge {f['pledge'] / 100:,.2f} to {f['fundraiser'].hex()[:12]}"
    if kind in ("need", "offer"):
        return f"{f['quantity']} × {f['category'].replace('_', ' ')}" + (f" ({f['notes']})" if f.get("notes") else "")
    if kind == "need.fulfil":
        return f"{f['quantity']} for need {f['need'].hex()[:12]}"
    if kind == "support.request":
        return f"{f['type'].replace('_', ' ')}, {f['people']} people, urgency {f['urgency']}" + (" [private part]" if "sealed" in f else "")
    if kind in ("support.claim", "support.close"):
        return f"request {f['request'].hex()[:12]}" + (f": {f['outcome']}" if "outcome" in f else "")
    if kind == "alert":
        return f"{f['type'].replace('_', ' ').upper()} {f.get('location', '')} — {f['text']}"
    if kind == "group.profile":
        return f"{f['name']} ({f['region']})"
    if kind == "member.vouch":
        return f"vouches {f['role']} {f['subject'].hex()[:12]}"
    if kind == "member.revoke":
        return f"revokes {f['subject'].hex()[:12]} from seq {f['from_seq']}"
    if kind == "redact":
        return f"redacts {len(f['ids'])} event(s)"
    if kind == "node.announce":
        return ", ".join(f["addresses"])
    return ""


def view_line(view: str, item: dict[str, Any], group_names: dict[bytes, str]) -> str:
    """One line of `solnet view` for people."""
    group = group_names.get(item.get("group", b""), "?")
    short = item["id"].hex()[:12]
    if view == "actions":
        return f"{local_time(item['starts_at'])}  {item['region']:<12} {item['title']} ({item['type'].replace('_', ' ')}) — {group}  {short}"
    if view == "fundraisers":
        bar = "#" * (item["progress"] // 10) + "." * (10 - item["progress"] // 10)
        return (f"[{bar}] {item['progress']:>3}%  {item['title']} — raised {money(item['raised'], item['currency'])} of "
                f"{money(item['goal'], item['currency'])}, pledged {money(item['pledged'], item['currency'])}  {short}")
    if view == "needs":
        left = f", {item['remaining']} still needed" if item["side"] == "need" else ""
        return f"{item['side']:<5} {item['region']:<12} {item['quantity']} × {item['category'].replace('_', ' ')}{left} — {group}  {short}"
    if view == "support":
        return (f"{item['status']:<8} {item['region']:<12} {item['type'].replace('_', ' ')}, {item['people']} people, "
                f"urgency {item['urgency']}" + (" [private part]" if item.get("has_private") else "") + f"  {short}")
    if view == "alerts":
        return f"ALERT {item['region']}: {item['type'].replace('_', ' ')} {item.get('location', '')} — {item['text']} (until {local_time(item['expires'])})  {short}"
    if view == "groups":
        state = f", REVOKED {revocation_text(item)}" if item["revoked_from"] else ""
        lines = [f"{item['name'] or '(no profile yet)'} ({item['region'] or '?'}) — {item['devices']} device(s){state}  "
                 f"{item['id'].hex()[:16]}"]
        for d in item.get("device_list", ()):
            if d["revoked_from"] is not None:
                lines.append(f"    device {d['id'].hex()[:16]}… REVOKED {revocation_text(d)}")
        return "\n".join(lines)
    return str(item)


def revocation_text(item: dict[str, Any]) -> str:
    """'from seq 3 by 1a2b3c4d… on 2026-11-25 14:02 (phone stolen)' for a revoked group or device."""
    by = f" by {item['revoked_by'].hex()[:8]}…" if item.get("revoked_by") else ""
    at = f" on {local_time(item['revoked_at'])}" if item.get("revoked_at") else ""
    why = f" ({item['revoked_reason']})" if item.get("revoked_reason") else ""
    return f"from seq {item['revoked_from']}{by}{at}{why}"
