"""purezmq.ssh: pyzmq's zmq.ssh.tunnel API, with real ssh tunnels.

The tunnel tests run a throwaway sshd (own config, host key and
authorized_keys under tmp_path, on a random port) and reach it with the
system ssh client through a wrapper on PATH that adds `-F <our config>`,
so the user's ~/.ssh is neither read nor written.  They skip when ssh,
sshd or ssh-keygen is missing.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import purezmq as zmq
from purezmq.ssh import tunnel

SRC = Path(__file__).resolve().parents[2] / "src"


def test_select_random_ports_gives_distinct_free_ports():
    for _ in range(1024):
        ports = tunnel.select_random_ports(10)
        assert len(ports) == 10
        assert len(set(ports)) == 10
    # and they are free: each can be bound
    for port in tunnel.select_random_ports(5):
        with socket.socket() as s:
            s.bind(("", port))


def test_public_names_match_pyzmq():
    import purezmq.ssh as ssh
    for name in ["tunnel_connection", "ssh_tunnel", "openssh_tunnel", "paramiko_tunnel",
                 "try_passwordless_ssh"]:
        assert name in tunnel.__all__
        assert getattr(ssh, name) is getattr(tunnel, name)
    assert callable(tunnel.open_tunnel) and callable(tunnel.select_random_ports)
    expected = tunnel.paramiko_tunnel if sys.platform == "win32" else tunnel.openssh_tunnel
    assert tunnel.ssh_tunnel is expected


def test_open_tunnel_wants_a_tcp_address():
    with pytest.raises(ValueError):
        tunnel.open_tunnel("ipc:///tmp/x", "localhost")


@pytest.mark.skipif(tunnel.paramiko is not None, reason="paramiko is installed")
def test_paramiko_path_without_paramiko_raises_importerror():
    with pytest.raises(ImportError, match="Paramiko"):
        tunnel.paramiko_tunnel(1, 2, "localhost")
    with pytest.raises(ImportError, match="Paramiko"):
        tunnel.try_passwordless_ssh("localhost", paramiko=True)


def test_dropin_import_of_zmq_ssh():
    code = ("import purezmq; purezmq.install_as_zmq()\n"
            "from zmq.ssh import tunnel\n"
            "from zmq.ssh.tunnel import select_random_ports\n"
            "import zmq.ssh, purezmq.ssh.tunnel\n"
            "print(tunnel is purezmq.ssh.tunnel, zmq.ssh is purezmq.ssh,"
            " len(select_random_ports(3)))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC),
                                                        os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "3"]


# -- a real sshd ---------------------------------------------------------------

def _find_sshd() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    for candidate in ("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _process_table() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rpartition(b")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry)] = (ppid, cmdline)
    return table


def _ours(sshd_pid: int, marker: bytes) -> list[int]:
    """Processes this test started: ssh clients run with our config (marker in
    their command line) and everything below our sshd."""
    table = _process_table()
    pids = {pid for pid, (_, cmd) in table.items() if marker in cmd and pid != os.getpid()}
    frontier = [sshd_pid]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in table.items():
            if ppid == parent and pid not in pids:
                pids.add(pid)
                frontier.append(pid)
    return sorted(pids)


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if os.path.exists(f"/proc/{p}")
                 and not _is_zombie(p)]
        time.sleep(0.05)
    return alive


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] == b"Z"
    except OSError:
        return True


class SSHServer:
    def __init__(self, tmp: Path, port: int, user: str, key: Path, other_key: Path,
                 proc: subprocess.Popen, log: Path) -> None:
        self.tmp, self.port, self.user, self.key, self.other_key = tmp, port, user, key, other_key
        self.proc, self.log = proc, log
        self.server = f"{user}@127.0.0.1:{port}"


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "purezmq-test",
                    "-f", str(path)], check=True, timeout=30, stdin=subprocess.DEVNULL)


def _start_sshd(sshd: str, config: Path, log: Path, port: int) -> subprocess.Popen:
    with open(log, "ab") as out:
        proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    proc.wait(10)
    pytest.fail(f"sshd did not listen within 15s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def sshd(tmp_path, monkeypatch):
    ssh, daemon, keygen = shutil.which("ssh"), _find_sshd(), shutil.which("ssh-keygen")
    if not (ssh and daemon and keygen):
        missing = [n for n, p in (("ssh", ssh), ("sshd", daemon), ("ssh-keygen", keygen))
                   if not p]
        pytest.skip(f"needs an OpenSSH client and server; missing: {', '.join(missing)}")
    tmp_path.chmod(0o700)
    user = pwd.getpwuid(os.getuid()).pw_name
    host_key, key, other_key = tmp_path / "host_key", tmp_path / "id_client", tmp_path / "id_other"
    for k in (host_key, key, other_key):
        _keygen(k)
    authorized = tmp_path / "authorized_keys"
    authorized.write_text((tmp_path / "id_client.pub").read_text())
    authorized.chmod(0o600)
    port = tunnel.select_random_ports(1)[0]
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {tmp_path / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "StrictModes no\nUsePAM no\nPubkeyAuthentication yes\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nAllowTcpForwarding yes\n"
        "PermitOpen any\nLogLevel VERBOSE\n")
    log = tmp_path / "sshd.log"
    created_privsep = None
    proc = _start_sshd(daemon, config, log, port)
    if proc.poll() is not None:
        # Run as root, sshd insists on its privilege separation directory.
        found = re.search(r"Missing privilege separation directory: (\S+)",
                          log.read_text(errors="replace"))
        if found and os.geteuid() == 0 and not os.path.exists(found.group(1)):
            created_privsep = found.group(1)
            os.makedirs(created_privsep, mode=0o755)
            proc = _start_sshd(daemon, config, log, port)
        if proc.poll() is not None:
            if created_privsep:
                os.rmdir(created_privsep)
            pytest.skip(f"could not run a private sshd:\n{log.read_text(errors='replace')}")

    # ssh reached through this wrapper reads only our config and known_hosts.
    host_pub = (tmp_path / "host_key.pub").read_text().split()
    (tmp_path / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        "Host *\n"
        f"  UserKnownHostsFile {tmp_path / 'known_hosts'}\n"
        "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
        "  IdentitiesOnly yes\n  PreferredAuthentications publickey,password\n"
        "  ConnectTimeout 10\n  ServerAliveInterval 5\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec "{ssh}" -F "{ssh_config}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")

    try:
        yield SSHServer(tmp_path, port, user, key, other_key, proc, log)
    finally:
        print(f"--- sshd log ---\n{log.read_text(errors='replace')}")  # shown on failure
        # The backgrounded ssh clients first (their sessions end with them),
        # then everything under our sshd, then sshd itself.
        leftovers = _ours(proc.pid, str(ssh_config).encode())
        for pid in leftovers:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        stuck = _wait_gone(leftovers, 10)
        for pid in stuck:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        if created_privsep:
            try:
                os.rmdir(created_privsep)
            except OSError:
                pass


def _exchange(ctx, server: SSHServer, **kwargs) -> object:
    rep = ctx.socket(zmq.REP)
    req = ctx.socket(zmq.REQ)
    for s in (rep, req):
        s.linger = 0
        s.rcvtimeo = 10000
        s.sndtimeo = 10000
    try:
        rep.bind("tcp://127.0.0.1:*")
        addr = rep.getsockopt_string(zmq.LAST_ENDPOINT)
        handle = tunnel.tunnel_connection(req, addr, server.server, keyfile=str(server.key),
                                          timeout=15, **kwargs)
        for i in range(5):
            req.send_string(f"ping {i}")
            assert rep.recv_string() == f"ping {i}"
            rep.send_multipart([b"pong", str(i).encode()])
            assert req.recv_multipart() == [b"pong", str(i).encode()]
        return handle
    finally:
        req.close()
        rep.close()


@pytest.mark.timeout(90)
def test_tunnel_connection_req_rep_through_real_sshd(sshd):
    with zmq.Context() as ctx:
        handle = _exchange(ctx, sshd)
    assert isinstance(handle, int) and handle > 0


@pytest.mark.timeout(90)
def test_tunnel_without_pexpect_uses_batch_ssh(sshd, monkeypatch):
    monkeypatch.setattr(tunnel, "pexpect", None)
    with zmq.Context() as ctx:
        handle = _exchange(ctx, sshd)
    assert isinstance(handle, int) and handle > 0


@pytest.mark.timeout(90)
def test_open_tunnel_forwards_plain_tcp(sshd):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(15)
        port = listener.getsockname()[1]
        url, pid = tunnel.open_tunnel(f"tcp://127.0.0.1:{port}", sshd.server,
                                      keyfile=str(sshd.key), timeout=15)
        assert re.fullmatch(r"tcp://127\.0\.0\.1:\d+", url) and pid > 0
        lport = int(url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", lport), timeout=15) as client:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(15)
                client.sendall(b"hello")
                assert conn.recv(5) == b"hello"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("with_pexpect", [True, False])
def test_try_passwordless_ssh(sshd, monkeypatch, with_pexpect):
    if with_pexpect and tunnel.pexpect is None:
        pytest.skip("pexpect is not installed")
    if not with_pexpect:
        monkeypatch.setattr(tunnel, "pexpect", None)
    assert tunnel.try_passwordless_ssh(sshd.server, str(sshd.key), paramiko=False) is True
    # the other key is not authorized: ssh would need a password
    assert tunnel.try_passwordless_ssh(sshd.server, str(sshd.other_key),
                                       paramiko=False) is False


@pytest.mark.timeout(90)
def test_without_pexpect_a_needed_password_is_a_clear_error(sshd, monkeypatch):
    monkeypatch.setattr(tunnel, "pexpect", None)
    lport = tunnel.select_random_ports(1)[0]
    with pytest.raises(ImportError, match="pexpect"):
        tunnel.openssh_tunnel(lport, 1, sshd.server, keyfile=str(sshd.other_key), timeout=5)
    with pytest.raises(ImportError, match="pexpect"):
        tunnel.openssh_tunnel(lport, 1, sshd.server, keyfile=str(sshd.key),
                              password="secret", timeout=5)


@pytest.mark.timeout(90)
def test_unknown_host_key_is_refused(sshd):
    (sshd.tmp / "known_hosts").write_text("")
    lport = tunnel.select_random_ports(1)[0]
    with pytest.raises(tunnel.SSHException, match="authenticity"):
        tunnel.openssh_tunnel(lport, 1, sshd.server, keyfile=str(sshd.key), timeout=5)
