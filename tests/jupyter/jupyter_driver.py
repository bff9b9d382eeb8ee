"""Drive a Jupyter kernel with stock jupyter_client and report what happened.

Used twice: imported by test_jupyter.py (where `zmq` is pyzmq), and run by
client_on_purezmq.py after purezmq.install_as_zmq() (where `zmq` is
purezmq).  It imports jupyter_client only inside drive(), so the caller
decides which `zmq` jupyter_client gets.

drive() never raises: it returns a dict of the steps it got through, with
the error of the step that failed, so a test can say how far things went.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable


def _run_cell(kc: Any, code: str, timeout: float) -> dict:
    """Execute code; collect its iopub output until the kernel goes idle."""
    msg_id = kc.execute(code)
    out: dict = {"code": code, "results": [], "streams": [], "errors": [], "iopub": []}
    deadline = time.monotonic() + timeout
    idle = False
    while not idle:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle status for {code!r} within {timeout}s; got {out}")
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        out["iopub"].append(kind)
        content = msg["content"]
        if kind == "execute_result":
            out["results"].append(content["data"].get("text/plain"))
        elif kind == "stream":
            out["streams"].append([content["name"], content["text"]])
        elif kind == "error":
            out["errors"].append([content["ename"], content["evalue"]])
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no execute_reply for {code!r} within {timeout}s")
        reply = kc.get_shell_msg(timeout=left)
        if reply["parent_header"].get("msg_id") == msg_id:
            out["reply_status"] = reply["content"]["status"]
            return out


def _wait_for_ready(kc: Any, timeout: float, report: dict,
                    kernel_alive: Callable[[], bool] | None) -> None:
    """kc.wait_for_ready(), retried while the kernel is still starting.

    A client made without a KernelManager judges the kernel alive by its
    heartbeat, which fails while the kernel is still importing IPython; then
    wait_for_ready() says "Kernel died before replying to kernel_info" though
    the kernel is only slow.  The heartbeat channel keeps pinging, so asking
    again (in short turns, checking the process between them) until the
    deadline is enough.
    """
    deadline = time.monotonic() + timeout
    report["ready_retries"] = 0
    while True:
        if kernel_alive is not None and not kernel_alive():
            raise RuntimeError("the kernel process exited")
        try:
            kc.wait_for_ready(timeout=max(1.0, min(5.0, deadline - time.monotonic())))
            return
        except RuntimeError as e:
            if time.monotonic() > deadline:
                raise
            report["ready_retries"] += 1
            report["ready_last_error"] = str(e)


def drive(connection_file: str, timeout: float = 30.0,
          kernel_alive: Callable[[], bool] | None = None) -> dict:
    """Connect, run 1+1 and a print, ask the kernel to shut down."""
    report: dict = {"steps": []}
    kc = None
    try:
        import zmq
        from jupyter_client import BlockingKernelClient

        report["client_zmq"] = zmq.__name__
        kc = BlockingKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        report["steps"].append("channels")
        _wait_for_ready(kc, timeout, report, kernel_alive)
        report["steps"].append("ready")
        report["add"] = _run_cell(kc, "1+1", timeout)
        report["steps"].append("add")
        report["print"] = _run_cell(kc, "print('hi')", timeout)
        report["steps"].append("print")
        report["kernel_zmq"] = _run_cell(kc, "import sys; sys.modules['zmq'].__name__",
                                         timeout)
        report["steps"].append("kernel_zmq")
        msg_id = kc.shutdown()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no shutdown_reply")
            reply = kc.control_channel.get_msg(timeout=left)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        report["shutdown_reply"] = [reply["msg_type"], reply["content"].get("status")]
        report["steps"].append("shutdown")
    except BaseException as e:  # noqa: BLE001 - reported, not swallowed
        report["error"] = f"{type(e).__name__}: {e}"
        report["traceback"] = traceback.format_exc()
    finally:
        if kc is not None:
            try:
                kc.stop_channels()
            except BaseException as e:  # noqa: BLE001
                report["stop_channels_error"] = f"{type(e).__name__}: {e}"
    return report


def _control_request(kc: Any, msg_type: str, content: dict, timeout: float) -> dict:
    msg = kc.session.msg(msg_type, content)
    kc.control_channel.send(msg)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no reply to {msg_type} within {timeout}s")
        reply = kc.control_channel.get_msg(timeout=left)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return reply


def drive_debugger(connection_file: str, timeout: float = 30.0,
                   kernel_alive: Callable[[], bool] | None = None) -> dict:
    """Ask the kernel's debugger to initialize (ipykernel talks to debugpy
    through a zmq STREAM socket), then check the control channel still
    answers and shut down."""
    report: dict = {"steps": []}
    kc = None
    try:
        import zmq
        from jupyter_client import BlockingKernelClient

        report["client_zmq"] = zmq.__name__
        kc = BlockingKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        _wait_for_ready(kc, timeout, report, kernel_alive)
        report["steps"].append("ready")
        reply = _control_request(kc, "debug_request", {
            "type": "request", "seq": 1, "command": "initialize",
            "arguments": {"clientID": "purezmq-test", "adapterID": "python",
                          "pathFormat": "path", "linesStartAt1": True,
                          "columnsStartAt1": True}}, timeout)
        report["debug_initialize"] = [reply["msg_type"], reply["content"].get("success")]
        report["steps"].append("debug_initialize")
        reply = _control_request(kc, "shutdown_request", {"restart": False}, timeout)
        report["shutdown_reply"] = [reply["msg_type"], reply["content"].get("status")]
        report["steps"].append("shutdown")
    except BaseException as e:  # noqa: BLE001
        report["error"] = f"{type(e).__name__}: {e}"
        report["traceback"] = traceback.format_exc()
    finally:
        if kc is not None:
            try:
                kc.stop_channels()
            except BaseException as e:  # noqa: BLE001
                report["stop_channels_error"] = f"{type(e).__name__}: {e}"
    return report


def drive_async(connection_file: str, timeout: float = 30.0) -> dict:
    """The same conversation with jupyter_client's AsyncKernelClient (zmq.asyncio),
    plus its heartbeat channel, which must keep beating."""
    import asyncio

    report: dict = {"steps": []}

    async def main() -> None:
        import zmq
        from jupyter_client.asynchronous import AsyncKernelClient

        report["client_zmq"] = zmq.__name__
        kc = AsyncKernelClient(connection_file=connection_file)
        kc.load_connection_file()
        kc.start_channels()
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    await kc.wait_for_ready(timeout=5)
                    break
                except RuntimeError:
                    if time.monotonic() > deadline:
                        raise
            report["steps"].append("ready")
            for key, code in (("add", "1+1"), ("print", "print('hi')")):
                outs: dict = {"results": [], "streams": []}

                def hook(msg: dict, outs: dict = outs) -> None:
                    if msg["msg_type"] == "execute_result":
                        outs["results"].append(msg["content"]["data"].get("text/plain"))
                    elif msg["msg_type"] == "stream":
                        outs["streams"].append([msg["content"]["name"], msg["content"]["text"]])

                reply = await kc.execute_interactive(code, timeout=timeout, output_hook=hook)
                outs["reply_status"] = reply["content"]["status"]
                report[key] = outs
                report["steps"].append(key)
            # HBChannel pings every time_to_dead (1 s) from its own thread
            beats = []
            for _ in range(6):
                await asyncio.sleep(0.5)
                beats.append(kc.hb_channel.is_beating())
            report["heartbeat"] = beats
            report["steps"].append("heartbeat")
            kc.shutdown()  # sends on the control channel; returns the msg_id
            while True:
                reply = await kc.control_channel.get_msg(timeout=timeout)
                if reply["msg_type"] == "shutdown_reply":
                    break
            report["shutdown_reply"] = [reply["msg_type"], reply["content"].get("status")]
            report["steps"].append("shutdown")
        finally:
            kc.stop_channels()

    try:
        asyncio.run(asyncio.wait_for(main(), 4 * timeout))
    except BaseException as e:  # noqa: BLE001
        report["error"] = f"{type(e).__name__}: {e}"
        report["traceback"] = traceback.format_exc()
    return report
