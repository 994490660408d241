# SPDX-License-Identifier: BSD-3-Clause
"""Where a group's sockets are, exactly as hpctl finds them
(src/common/paths.c):

    <runtime>/<file-prefix>/control.sock        the primary
    <runtime>/<file-prefix>/member.<pid>.sock   each secondary

<runtime> is the given directory, else $HOTPLUGD_RUNTIME_DIR, else the
first of systemd's $RUNTIME_DIRECTORY, else /run/hotplugd for root, else
$XDG_RUNTIME_DIR/hotplugd. <file-prefix> is DPDK's --file-prefix, "rte"
by default."""
import os

DEFAULT_PREFIX = "rte"
SUN_PATH_MAX = 108


def default_runtime_dir():
    e = os.environ.get("HOTPLUGD_RUNTIME_DIR")
    if e:
        return e
    e = os.environ.get("RUNTIME_DIRECTORY")
    if e:
        return e.split(":", 1)[0]
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if os.geteuid() == 0 or not xdg:
        return "/run/hotplugd"
    return os.path.join(xdg, "hotplugd")


def group_dir(file_prefix=None, runtime_dir=None):
    prefix = file_prefix or DEFAULT_PREFIX
    if "/" in prefix or prefix in (".", ".."):
        raise ValueError(f"file prefix {prefix!r} is not a single path component")
    return f"{runtime_dir or default_runtime_dir()}/{prefix}"


def _fits(path):
    if len(path.encode()) >= SUN_PATH_MAX:
        raise ValueError(f"socket path {path} is longer than a UNIX socket address takes")
    return path


def primary_socket(file_prefix=None, runtime_dir=None):
    return _fits(f"{group_dir(file_prefix, runtime_dir)}/control.sock")


def member_socket(pid, file_prefix=None, runtime_dir=None):
    return _fits(f"{group_dir(file_prefix, runtime_dir)}/member.{int(pid)}.sock")
