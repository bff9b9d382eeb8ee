"""SSH tunnels for ØMQ connections, with pyzmq's `zmq.ssh.tunnel` API.

A socket that cannot reach `tcp://ip:port` directly connects instead to a
random local port that an ssh tunnel forwards to ip:port as seen from an
ssh server.  Two ways to make the tunnel, as in pyzmq:

* the system `ssh` client (`openssh_tunnel`, the default off Windows):
  `ssh -f -S none -L 127.0.0.1:lport:ip:port server sleep <timeout>`, so ssh
  goes to the background once logged in and exits when the sleep is over
  and no forwarded connection is left.  Password and passphrase prompts
  are answered through pexpect when it is installed; without pexpect ssh
  runs in batch mode and a login that needs a password fails clearly.
* paramiko (`paramiko_tunnel`, the default on Windows), forwarding from a
  child process; it needs paramiko installed.
"""

from __future__ import annotations

import atexit
import importlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from getpass import getpass, getuser
from multiprocessing import Process
from typing import Any


def _optional(name: str) -> Any:
    try:
        with warnings.catch_warnings():
            # paramiko warns about its crypto dependencies on import
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(name)
    except ImportError:
        return None


# Looked up at call time, so either may be None (not installed).
pexpect: Any = _optional("pexpect")
paramiko: Any = _optional("paramiko")


class _NoParamikoSSHException(Exception):
    """Raised for ssh failures when paramiko (whose SSHException pyzmq uses)
    is not installed."""


SSHException: type[Exception] = (paramiko.ssh_exception.SSHException
                                 if paramiko is not None else _NoParamikoSSHException)


class MaxRetryExceeded(Exception):
    """ssh neither logged in nor failed in the time allowed."""


# How long ssh may take to log in (and fork to the background) before we give up.
_LOGIN_TIMEOUT = 30.0
# ssh's own default number of password prompts.
_MAX_PASSWORD_TRIES = 3

_NEW_HOST_KEY = "Are you sure you want to continue connecting"
# A prompt ends with ':'; this keeps "Permission denied (publickey,password)."
# from passing for one.
_password_pat = re.compile(rb"pass(?:word|phrase)[^\r\n]*:", re.IGNORECASE)


def select_random_ports(n: int) -> list[int]:
    """Return n distinct ports that are free right now.

    All n sockets stay bound until every port is chosen, so the OS cannot
    hand out the same port twice.
    """
    sockets = []
    try:
        for _ in range(n):
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# -- parsing ------------------------------------------------------------------

def _host_and_port(server: str) -> tuple[str, int | None]:
    """'user@host:port' -> ('user@host', port); no port -> ('user@host', None).

    A bare IPv6 address keeps its colons; '[addr]:port' gives the port.
    """
    host, sep, port = server.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return server, None
    at, _, name = host.rpartition("@")
    if name.startswith("[") and name.endswith("]"):
        return (at + "@" if at else "") + name[1:-1], int(port)
    if ":" in name:  # an IPv6 address without brackets: no port given
        return server, None
    return host, int(port)


def _split_server(server: str) -> tuple[str, str, int]:
    """'user@host:port' -> (user, host, port), defaulting to this user and 22."""
    target, port = _host_and_port(server)
    if "@" in target:
        username, target = target.split("@", 1)
    else:
        username = getuser()
    return username, target, 22 if port is None else port


def _forward_spec(lport: int, remoteip: str, rport: int) -> str:
    if ":" in remoteip and not remoteip.startswith("["):
        remoteip = f"[{remoteip}]"  # ssh -L wants IPv6 addresses bracketed
    return f"127.0.0.1:{lport}:{remoteip}:{rport}"


# -- running the ssh client ---------------------------------------------------

def _ssh_env() -> dict[str, str]:
    env = os.environ.copy()
    # With SSH_ASKPASS set ssh may ask through a GUI helper; we answer prompts.
    env.pop("SSH_ASKPASS", None)
    return env


def _ssh_base(server: str, keyfile: str | None) -> tuple[list[str], str]:
    """The ssh command (options for key and port) and the destination."""
    if shutil.which("ssh") is None:
        raise FileNotFoundError("no 'ssh' client found on PATH; install OpenSSH, "
                                "or use paramiko=True")
    target, port = _host_and_port(server)
    argv = ["ssh"]
    if keyfile:
        argv += ["-i", keyfile]
    if port is not None:
        argv += ["-p", str(port)]
    return argv, target


def _run_batch(argv: list[str], timeout: float = _LOGIN_TIMEOUT,
               what: str = "") -> tuple[int, str, int]:
    """Run ssh without prompting; return (exit status, what it wrote to
    stderr, pid).

    stderr goes to a file, not a pipe: with -f ssh's background half may keep
    the stream open long after the foreground half has exited.
    """
    argv = argv[:1] + ["-o", "BatchMode=yes"] + argv[1:]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=_ssh_env())
        try:
            status = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            what = what or f"{' '.join(argv)!r} did not finish"
            raise MaxRetryExceeded(f"{what} within {timeout:g}s") from None
        err.seek(0)
        return status, err.read().decode(errors="replace").strip(), proc.pid


def _needs_password(message: str) -> bool:
    """Whether ssh failed for want of a password (not, say, an unknown key)."""
    if "Permission denied" in message:
        return "password" in message or "keyboard-interactive" in message
    return "passphrase" in message.lower()


def _host_key_unknown(message: str) -> bool:
    return "Host key verification failed" in message


# -- passwordless check -------------------------------------------------------

def try_passwordless_ssh(server: str, keyfile: str | None = None,
                         paramiko: bool | None = None) -> bool:
    """Whether ssh can log in to server without a password.

    Lets a program ask for the password once for many tunnels to the same
    server.  paramiko=None picks the platform's default (paramiko on Windows).
    """
    if paramiko is None:
        paramiko = sys.platform == "win32"
    if paramiko:
        return _try_passwordless_paramiko(server, keyfile)
    return _try_passwordless_openssh(server, keyfile)


def _try_passwordless_openssh(server: str, keyfile: str | None) -> bool:
    base, target = _ssh_base(server, keyfile)
    argv = base + ["-f", target, "exit"]
    if pexpect is None:
        status, message, _ = _run_batch(argv)
        if status and _host_key_unknown(message):
            raise SSHException("The authenticity of the host can't be established.")
        return status == 0
    # None: ssh asked for a password
    return _drive_ssh(argv, server, None, answer=False)[0] == 0


def _paramiko_client() -> Any:
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(os.path.expanduser("~/.ssh/known_hosts"))
    except FileNotFoundError:
        pass
    # Same switch as pyzmq, e.g. "AutoAdd" for paramiko.AutoAddPolicy.
    policy_name = os.environ.get("PYZMQ_PARAMIKO_HOST_KEY_POLICY")
    if policy_name:
        client.set_missing_host_key_policy(getattr(paramiko, f"{policy_name}Policy")())
    return client


def _try_passwordless_paramiko(server: str, keyfile: str | None) -> bool:
    if paramiko is None:
        hint = ("paramiko is required for ssh tunneled connections on Windows"
                if sys.platform == "win32" else "use OpenSSH (paramiko=False)")
        raise ImportError(f"Paramiko unavailable, {hint}.")
    username, host, port = _split_server(server)
    client = _paramiko_client()
    try:
        client.connect(host, port, username=username, key_filename=keyfile,
                       look_for_keys=True)
    except paramiko.AuthenticationException:
        return False
    client.close()
    return True


# -- tunnels ------------------------------------------------------------------

def tunnel_connection(socket: Any, addr: str, server: str, keyfile: str | None = None,
                      password: str | None = None, paramiko: bool | None = None,
                      timeout: int = 60) -> Any:
    """Connect socket to addr through an ssh tunnel via server.

    For an addr this machine cannot reach: opens a tunnel (see open_tunnel)
    and connects socket to its local end.  Returns the tunnel: the ssh pid
    (OpenSSH) or the forwarding Process (paramiko).
    """
    new_url, tunnel = open_tunnel(addr, server, keyfile=keyfile, password=password,
                                  paramiko=paramiko, timeout=timeout)
    socket.connect(new_url)
    return tunnel


def open_tunnel(addr: str, server: str, keyfile: str | None = None,
                password: str | None = None, paramiko: bool | None = None,
                timeout: int = 60) -> tuple[str, Any]:
    """Open a tunnel to the 0MQ url addr ('tcp://ip:port', ip as seen from server).

    Returns (url, tunnel): the local 'tcp://127.0.0.1:lport' to connect to
    instead, and the tunnel (ssh pid, or paramiko forwarding Process).
    """
    transport, sep, rest = addr.partition("://")
    ip, colon, port = rest.rpartition(":")
    if not sep or transport != "tcp" or not colon or not port.isdigit():
        raise ValueError(f"ssh tunnels carry tcp://ip:port addresses, not {addr!r}")
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    lport = select_random_ports(1)[0]
    if paramiko is None:
        paramiko = sys.platform == "win32"
    make = paramiko_tunnel if paramiko else openssh_tunnel
    tunnel = make(lport, int(port), server, remoteip=ip, keyfile=keyfile,
                  password=password, timeout=timeout)
    return f"tcp://127.0.0.1:{lport}", tunnel


def openssh_tunnel(lport: int, rport: int, server: str, remoteip: str = "127.0.0.1",
                   keyfile: str | None = None, password: str | None = None,
                   timeout: int = 60) -> int:
    """Forward 127.0.0.1:lport here to remoteip:rport as seen from server,
    with the system ssh client; return the ssh process id.

    server is '[user@]host[:port]'; keyfile and password are optional (the
    user's ssh config and keys apply).  The tunnel waits timeout seconds
    for a first connection and closes once unused after that.  If a
    ControlMaster connection to server is running, the forward is added to
    it (and cancelled at exit) instead.
    """
    base, target = _ssh_base(server, keyfile)
    forward = _forward_spec(lport, remoteip, rport)
    pid = _forward_through_master(base, target, forward)
    if pid is not None:
        return pid
    # -S none: never become (or use) a control master for this throwaway ssh.
    argv = base + ["-f", "-S", "none", "-L", forward, target, "sleep", str(timeout)]
    if pexpect is None:
        return _start_batch(argv, server, password)
    return _start_with_pexpect(argv, server, password)


def _forward_through_master(base: list[str], target: str, forward: str) -> int | None:
    """Add the forward to a running ControlMaster for target; its pid, or None."""
    try:
        status, message, _ = _run_batch(base + ["-O", "check", target], timeout=10)
    except (OSError, MaxRetryExceeded):
        return None
    found = re.search(r"\(pid=(\d+)\)", message)
    if status or found is None:
        return None
    try:
        status, _, _ = _run_batch(base + ["-O", "forward", "-L", forward, target], timeout=10)
    except (OSError, MaxRetryExceeded):
        return None
    if status:
        return None
    atexit.register(_stop_tunnel, base + ["-O", "cancel", "-L", forward, target])
    return int(found.group(1))


def _stop_tunnel(cmd: list[str]) -> None:
    try:
        _run_batch(cmd, timeout=10)
    except (OSError, MaxRetryExceeded):
        pass


def _start_batch(argv: list[str], server: str, password: str | None) -> int:
    """Start the tunnel without pexpect: key-based login only."""
    if password is not None:
        raise ImportError("sending an ssh password needs pexpect, which is not installed "
                          "(pip install pexpect), or use key-based login or paramiko")
    status, message, pid = _run_batch(argv, what=f"ssh to {server} did not log in")
    if status == 0:
        return pid
    if _host_key_unknown(message):
        raise SSHException("The authenticity of the host can't be established.")
    if _needs_password(message):
        raise ImportError(f"ssh to {server} needs a password or passphrase, and pexpect, "
                          f"needed to give one, is not installed (pip install pexpect); "
                          f"or set up key-based login. ssh said: {message}")
    raise RuntimeError(f"tunnel {' '.join(argv)!r} failed to start "
                       f"(ssh exit status {status}): {message}")


def _start_with_pexpect(argv: list[str], server: str, password: str | None) -> int:
    """Start the tunnel under pexpect, answering password prompts."""
    status, output, pid = _drive_ssh(argv, server, password, answer=True)
    if status:
        raise RuntimeError(f"tunnel {' '.join(argv)!r} failed to start "
                           f"(ssh exit status {status}): {output}")
    return pid


def _drive_ssh(argv: list[str], server: str, password: str | None,
               answer: bool) -> tuple[int | None, str, int]:
    """Run ssh on a pty until its foreground process exits, answering
    password prompts (answer=True) or stopping at the first (status None).
    Returns (exit status, output, pid).

    We wait for the process, not for EOF: with -f the backgrounded half keeps
    copies of the pty as its session's stdout/stderr, so EOF would only come
    when the tunnel closes.
    """
    # ssh leads the pty's session; when it exits after forking, the kernel
    # hangs up the session, which can kill the backgrounded half before it
    # has detached (setsid).  An ignored SIGHUP is inherited and kept by ssh.
    child = pexpect.spawn(argv[0], argv[1:], env=_ssh_env(), ignore_sighup=True)
    deadline = time.monotonic() + _LOGIN_TIMEOUT
    tries = 0
    eof = False
    try:
        while child.isalive():
            if time.monotonic() > deadline:
                raise MaxRetryExceeded(f"ssh to {server} did not log in within "
                                       f"{_LOGIN_TIMEOUT:g}s")
            if eof:
                time.sleep(0.05)
                continue
            i = child.expect([_NEW_HOST_KEY, _password_pat, pexpect.EOF, pexpect.TIMEOUT],
                             timeout=0.1)
            if i == 0:
                raise SSHException("The authenticity of the host can't be established.")
            if i == 1:
                if not answer:
                    return None, "", child.pid
                if tries >= _MAX_PASSWORD_TRIES:
                    raise SSHException(f"password for {server} rejected "
                                       f"{_MAX_PASSWORD_TRIES} times")
                if tries:
                    print("Password rejected, try again")
                    password = None
                if password is None:
                    password = getpass(f"{server}'s password: ")
                child.sendline(password)
                tries += 1
            eof = i == 2
        status = child.exitstatus if child.exitstatus is not None else 255
        output = ""
        if status:
            if not eof:  # collect the error ssh wrote before exiting
                child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=1)
            before = child.before
            output = (before.decode(errors="replace") if isinstance(before, bytes)
                      else str(before or "")).strip()
            if _host_key_unknown(output):
                raise SSHException("The authenticity of the host can't be established.")
        return status, output, child.pid
    finally:
        # Only our end of the pty: the backgrounded ssh is not ours to stop.
        child.close(force=child.isalive())


def paramiko_tunnel(lport: int, rport: int, server: str, remoteip: str = "127.0.0.1",
                    keyfile: str | None = None, password: str | None = None,
                    timeout: int = 60) -> Process:
    """Forward 127.0.0.1:lport here to remoteip:rport as seen from server,
    with paramiko in a daemon child process, which is returned.

    For where there is no ssh client (Windows).  timeout is accepted for
    the same signature as openssh_tunnel; the forward lasts as long as the
    process.
    """
    if paramiko is None:
        raise ImportError("Paramiko not available")
    if password is None and not _try_passwordless_paramiko(server, keyfile):
        password = getpass(f"{server}'s password: ")
    proc = Process(target=_paramiko_tunnel, args=(lport, rport, server, remoteip),
                   kwargs=dict(keyfile=keyfile, password=password), daemon=True)
    proc.start()
    return proc


def _paramiko_tunnel(lport: int, rport: int, server: str, remoteip: str,
                     keyfile: str | None = None, password: str | None = None) -> None:
    """The paramiko tunnel process: log in, then forward until killed."""
    from .forward import forward_tunnel

    username, host, port = _split_server(server)
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    try:
        client.connect(host, port, username=username, key_filename=keyfile,
                       look_for_keys=True, password=password)
    except Exception as e:
        print(f"*** Failed to connect to {host}:{port}: {e!r}")
        sys.exit(1)
    # Ctrl-C in the parent's terminal must not take the tunnel down with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forward_tunnel(lport, remoteip, rport, client.get_transport())
    except KeyboardInterrupt:
        print("SIGINT: Port forwarding stopped cleanly")
        sys.exit(0)
    except Exception as e:
        print(f"Port forwarding stopped uncleanly: {e}")
        sys.exit(255)


ssh_tunnel = paramiko_tunnel if sys.platform == "win32" else openssh_tunnel


__all__ = [
    "tunnel_connection",
    "ssh_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "try_passwordless_ssh",
]
