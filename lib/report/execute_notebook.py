#!/usr/bin/python3
"""Execute one Jupyter notebook headlessly with nbclient, immune to the Deno kernel's output race.

Called by lib/report/notebooks.ts (run it with Debian's /usr/bin/python3, which has nbclient 0.7).
The caller chooses the kernelspec (JUPYTER_PATH + --kernel), the working directory of the kernel
(the notebook's folder) and the environment (inherited by the kernel: experiment parameters).

Why a subclass: with Deno 2.9 the kernel sometimes publishes `status: idle` a fraction of a
millisecond *before* a cell's outputs. nbclient stops reading iopub at `idle`, so those outputs are
lost while the run "succeeds". GraceClient keeps reading iopub for a grace period after `idle`
(extended whenever a late message arrives) and keeps what belongs to the cell.

Writes the executed notebook (complete, or partial up to a failing cell) to --out and prints one
JSON line on stdout describing the outcome; the caller verifies the outputs and decides.
Exit status: 0 executed, 1 a cell raised, 2 anything else (kernel died, timeout, bad input).
"""
import argparse
import asyncio
import json
import os
import sys
import threading
import time
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async


class GraceClient(NotebookClient):
    """NotebookClient that keeps collecting a cell's iopub messages for a while after `idle`."""

    grace_seconds = 0.25
    late_messages = 0
    failed_cell = None  # (index, execute_reply content) of the cell that raised

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        # Same loop as nbclient 0.7.2's, until the kernel says idle ...
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        # ... then the grace period: outputs that raced past `idle` still belong to this cell.
        # The next cell is not sent before this returns, so nothing else can be mixed in.
        deadline = time.monotonic() + self.grace_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=remaining))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status":
                continue
            self.late_messages += 1
            deadline = time.monotonic() + self.grace_seconds
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        # Remember which cell failed and the kernel's own error report: the cell's error output
        # may itself have been lost to the race, the execute_reply on the shell channel is not.
        if exec_reply is not None and exec_reply["content"].get("status") == "error":
            self.failed_cell = (cell_index, exec_reply["content"])
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)


def exit_with_parent():
    """Exit as soon as the process that started us is gone (it was killed: SIGKILL, a closed
    terminal). The kernel then sees its own parent gone and stops its engines."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(2)

    threading.Thread(target=watch, daemon=True).start()


def main():
    exit_with_parent()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="notebook to execute (read only)")
    parser.add_argument("--out", required=True, help="where to write the executed notebook")
    parser.add_argument("--kernel", required=True, help="kernelspec name (found via JUPYTER_PATH)")
    parser.add_argument("--cwd", required=True, help="working directory of the kernel")
    parser.add_argument("--grace", type=float, default=0.25, help="seconds to listen after idle")
    parser.add_argument("--timeout", type=int, default=-1, help="seconds per cell, -1 for none")
    args = parser.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    client = GraceClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=60,
        resources={"metadata": {"path": args.cwd}},
        # No timestamps in the saved notebook: a replay that reproduces the outputs must
        # reproduce the file.
        record_timing=False,
    )
    client.grace_seconds = args.grace
    started = time.monotonic()
    outcome = {"status": "ok"}
    code = 0
    try:
        client.execute()
    except CellExecutionError as err:
        index, content = client.failed_cell or (None, {})
        outcome = {
            "status": "cell_error",
            "cell": index,
            "ename": content.get("ename", err.ename),
            "evalue": content.get("evalue", err.evalue),
            "traceback": content.get("traceback") or [],
        }
        code = 1
    except Exception as err:  # kernel death, timeout, missing kernelspec: the caller reports it
        outcome = {"status": "failed", "message": f"{type(err).__name__}: {err}"}
        code = 2
    outcome["seconds"] = round(time.monotonic() - started, 3)
    outcome["late_messages"] = client.late_messages
    nbformat.write(nb, args.out)
    print(json.dumps(outcome), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
