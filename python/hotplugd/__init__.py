# SPDX-License-Identifier: BSD-3-Clause
"""hotplugd: a client for the control socket of hotplugd, the DPDK device
hotplug daemon.

Every process of a DPDK multi-process group (the primary and each
secondary) serves a UNIX socket speaking JSON-RPC 2.0, one object per
line (docs/protocol.md; the machine-readable form is openrpc.json, which
the daemon answers rpc.discover with). This package finds the sockets as
hpctl does, calls each method, raises the error of an answer as a typed
exception and follows the group's events across reconnections. It needs
nothing beyond Python's standard library (schema checking: jsonschema).

Attach, then wait for the event that says it is done everywhere::

    import hotplugd

    with hotplugd.EventStream(file_prefix="rte") as events, \\
            hotplugd.Client(file_prefix="rte") as c:
        try:
            res = c.attach("net_null0")
        except hotplugd.Exists:
            print("already there")
        except hotplugd.RpcError as e:
            print(e.errno, e.reason, "rolled back" if e.rolled_back else "")
        else:
            ev = events.wait(lambda e: e["event"] == "device.attached"
                             and e["device"] == res["name"], timeout=10)
            print(f"port {ev['port']} in {res['members']} members, seq {ev['seq']}")

Watch the group, surviving a restart of the daemon's socket or a short
disconnection (events missed meanwhile are replayed once, in order)::

    for ev in hotplugd.EventStream(file_prefix="rte"):
        if ev["event"] == "events.overflow":
            print(f"lost {ev['dropped']} events: resynchronise from list/ps")
        elif ev["event"] == "events.restarted":
            print("a new primary: resynchronise from list/ps")
        else:
            print(ev["seq"], ev["event"], ev.get("device") or ev.get("name"))

Errors: RpcError carries code (JSON-RPC), errno (the name, "EEXIST"),
reason, rolled_back, device and member; its subclasses name the codes:
InvalidParams (-32602), OperationFailed (-32000), Denied (-32001),
NoDevice (-32002), Exists (-32003), LimitError (-32004), MemberFailed
(-32005), PrimaryUnreachable (-32006), ParseError, InvalidRequest,
MethodNotFound. A socket that cannot be reached raises OSError.
"""
from .client import METHODS, Client, EventStream, resolve, wait_for_event
from .errors import (Denied, Exists, InvalidParams, InvalidRequest, LimitError, MemberFailed,
                     MethodNotFound, NoDevice, NotTrusted, OperationFailed, ParseError,
                     PrimaryUnreachable, RpcError, error_from)
from .paths import default_runtime_dir, member_socket, primary_socket

__all__ = ["Client", "EventStream", "wait_for_event", "resolve", "METHODS", "RpcError",
           "ParseError", "InvalidRequest", "MethodNotFound", "InvalidParams",
           "OperationFailed", "Denied", "NoDevice", "Exists", "LimitError", "MemberFailed",
           "PrimaryUnreachable", "NotTrusted", "error_from", "default_runtime_dir",
           "primary_socket", "member_socket"]
