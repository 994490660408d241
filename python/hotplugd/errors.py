# SPDX-License-Identifier: BSD-3-Clause
"""The errors a hotplugd answer can carry, one class per JSON-RPC code.

Every one is an RpcError with the answer's ``code``, ``message`` and, for
hotplugd's own codes, ``errno`` (the errno name, "EEXIST"), ``reason`` (the
real cause: the driver's or the EAL's words, or the daemon's),
``rolled_back`` (an attach/detach/start/stop undone in every process),
``device`` and ``member`` ({pid, name} of the member that failed)."""


class RpcError(Exception):
    """An error answer. ``error`` is the whole JSON-RPC error object."""

    code = None

    def __init__(self, error):
        super().__init__(error.get("message"))
        self.error = error
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data") or {}
        self.errno = self.data.get("errno")
        self.reason = self.data.get("reason", self.message)
        self.rolled_back = self.data.get("rolled_back")
        self.device = self.data.get("device")
        self.member = self.data.get("member")

    def __repr__(self):
        return f"{type(self).__name__}({self.code}, {self.errno}, {self.reason!r})"


class ParseError(RpcError):
    """-32700: the line was not JSON the daemon takes."""
    code = -32700


class InvalidRequest(RpcError):
    """-32600: not a JSON-RPC 2.0 request (or an origin from a non-member)."""
    code = -32600


class MethodNotFound(RpcError):
    """-32601: no such method."""
    code = -32601


class InvalidParams(RpcError):
    """-32602: a parameter of the wrong type, missing or unknown; bad devargs."""
    code = -32602


class OperationFailed(RpcError):
    """-32000: the operation failed (EIO, EBUSY, EALREADY, EAGAIN, ...)."""
    code = -32000


class Denied(RpcError):
    """-32001: EPERM: a missing right, or the devargs policy."""
    code = -32001


class NoDevice(RpcError):
    """-32002: ENOENT, ENODEV."""
    code = -32002


class Exists(RpcError):
    """-32003: EEXIST: the device is already attached."""
    code = -32003


class LimitError(RpcError):
    """-32004: ENAMETOOLONG, E2BIG, EMFILE, ...: a limit was hit."""
    code = -32004


class MemberFailed(RpcError):
    """-32005: ETIMEDOUT, EHOSTDOWN: a member failed or did not answer."""
    code = -32005


class PrimaryUnreachable(RpcError):
    """-32006: ECONNREFUSED, ECONNRESET, ESHUTDOWN: no primary to relay to."""
    code = -32006


_BY_CODE = {c.code: c for c in (ParseError, InvalidRequest, MethodNotFound, InvalidParams,
                                OperationFailed, Denied, NoDevice, Exists, LimitError,
                                MemberFailed, PrimaryUnreachable)}


def error_from(error):
    """The RpcError (subclass) for a JSON-RPC error object."""
    return _BY_CODE.get(error.get("code"), RpcError)(error)


class NotTrusted(ConnectionError):
    """The socket's owner is neither root nor us: its answers could be fake."""
