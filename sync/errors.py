"""The two ways a sync link's protocol can be broken, told apart as h11 does.

`RemoteProtocolError`: the peer sent something the protocol does not allow (a malformed message, a
message out of place). Only this error costs the peer penalty points; `reason` is the code it is
charged under ("protocol", or "oversize" for a list over its limit).

`LocalProtocolError`: this node's own code asked for something out of place (a round started on a
link that already runs one, a batch reported stored that was never handed out). That is a bug
here, never the peer's fault: the link is closed, and the peer is not penalised.
"""
from __future__ import annotations


class LinkProtocolError(Exception):
    """Either side broke the link protocol."""

    def __init__(self, message: str, reason: str = "protocol") -> None:
        super().__init__(message)
        self.reason = reason


class RemoteProtocolError(LinkProtocolError):
    """The peer broke the protocol; `reason` is "protocol" or "oversize"."""


class LocalProtocolError(LinkProtocolError):
    """This node broke the protocol (a bug in this node's code)."""
