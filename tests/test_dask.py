"""--dask against a real `dask scheduler` and two `dask worker` processes started here on 127.0.0.1.

The same store as a local ingest (same graphs, same quads, the same failures with the same messages),
and a worker killed with SIGKILL mid-batch loses nothing stored, leaves no half-written policy, and a
re-run of the same command completes the batch, skipping what is stored unchanged.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

pytest.importorskip("distributed", reason="the 'dask' extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import kill_ingest  # noqa: E402

DASK = Path(sys.executable).with_name("dask")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DASK.exists(), reason="no dask command beside the interpreter")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = tmp
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        out = (self.log / f"{name}.log").open("wb")
        return subprocess.Popen([str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, cwd=self.log,
                                start_new_session=True)

    def start(self) -> None:
        from distributed import Client

        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard"], "scheduler")
        for i in range(2):    # no nanny: a worker killed stays dead, as a machine lost would
            self.workers.append(self._start(["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                                             "--no-nanny", "--no-dashboard", "--name", f"w{i}"], f"worker{i}"))
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=max(deadline - time.monotonic(), 1))
                    # each worker imports policykg and compiles the lexicon once, before the timings
                    client.run(lambda: __import__("policykg.ingest.pipeline").ingest.pipeline.load_lexicon() and None)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


def graphs(store: ox.Store) -> dict[str, set[str]]:
    return kill_ingest.graphs(store)


def test_a_dask_ingest_stores_what_a_local_one_does_and_reports_the_same_failures(cluster, tmp_path):
    from policykg.ingest.pipeline import ingest

    batch = tmp_path / "batch"
    shutil.copytree(ROOT / "examples", batch, ignore=shutil.ignore_patterns("README.md"))
    (batch / "empty.md").write_text("")
    (batch / "binary.txt").write_bytes(b"\x00\x01\x02binary" * 20)
    local, remote = ox.Store(), ox.Store()
    here = ingest([batch], local, workers=0)
    there = ingest([batch], remote, dask=cluster.address)
    assert len(there.stored) == 6
    assert sorted(graphs(remote)) == sorted(graphs(local))
    assert {g: len(q) for g, q in graphs(remote).items()} == {g: len(q) for g, q in graphs(local).items()}
    assert graphs(remote) == graphs(local)
    assert [str(e) for e in there.failed] == [str(e) for e in here.failed]
    assert [str(e) for e in there.failed] == [f"{batch / 'binary.txt'}: {here.failed[0].problem}",
                                              f"{batch / 'empty.md'}: is empty"]


def test_the_command_line_reports_a_bad_document_on_a_worker_as_locally(cluster, tmp_path):
    cli = Path(sys.executable).with_name("policykg")
    batch = tmp_path / "b"
    batch.mkdir()
    shutil.copy(ROOT / "examples" / "quietnote.md", batch)
    (batch / "empty.md").write_text("")
    runs = [subprocess.run([str(cli), "ingest", "b", "--store", store, *extra], cwd=tmp_path, capture_output=True,
                           text=True) for store, extra in (("local", []), ("remote", ["--dask", cluster.address]))]
    assert [r.returncode for r in runs] == [1, 1]
    assert runs[0].stderr == runs[1].stderr == "policykg: skipped b/empty.md: is empty\n"
    assert runs[1].stdout == runs[0].stdout.replace("into local", "into remote")


def test_an_unreachable_scheduler_is_one_clear_message(tmp_path):
    cli = Path(sys.executable).with_name("policykg")
    (tmp_path / "p.md").write_text("We collect your e-mail address.\n")
    address = f"tcp://127.0.0.1:{_free_port()}"
    run = subprocess.run([str(cli), "ingest", "p.md", "--store", "kg", "--dask", address], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}" in run.stderr and "Traceback" not in run.stderr


def test_a_worker_killed_mid_batch_loses_nothing_stored_and_a_rerun_completes(cluster, tmp_path):
    """Last in this file: it kills one of the module's two workers."""
    from policykg.ingest.pipeline import ingest
    from policykg.store import open_store, release_store

    batch = kill_ingest.lay_out(tmp_path, copies=2)
    expected = kill_ingest.reference(batch)
    assert len(expected) == 12
    store_dir = tmp_path / "store"
    done: list[Path] = []

    def on_document(path: Path, error) -> None:
        done.append(path)
        if len(done) == 3:                      # three stored, the rest in flight on the two workers
            os.killpg(cluster.workers[0].pid, signal.SIGKILL)
            cluster.workers[0].wait()

    store = open_store(store_dir)
    try:
        first = ingest([batch], store, dask=cluster.address, on_document=on_document)
    except Exception as exc:        # the cluster may give up on the batch: what is stored must be whole
        first = exc
    finally:
        del store
        release_store(store_dir)
    assert cluster.workers[0].poll() is not None, "the worker was not killed mid-batch"
    after_kill, problems = kill_ingest.check(store_dir, expected)
    assert problems == []
    assert after_kill >= 3
    store = open_store(store_dir)
    try:
        again = ingest([batch], store, dask=cluster.address)
    finally:
        del store
        release_store(store_dir)
    assert len(again.skipped) == after_kill and len(again.stored) == 12 - after_kill and not again.failed
    assert kill_ingest.check(store_dir, expected) == (12, [])
    if not isinstance(first, Exception):
        assert not first.failed and len(first.stored) == 12      # Dask ran the lost documents again
