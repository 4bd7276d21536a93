"""A Beam worker pool for one Flink TaskManager, listening on one loopback address only.

Beam's `python -m apache_beam.runners.worker.worker_pool_main --service_port=PORT` binds every
interface (`[::]:PORT`), so two pools cannot share a port and the pool would be reachable from
the network. This starts the same servicer (each worker a separate Python process, as
worker_pool_main does) on HOST:PORT, so each TaskManager gets its own pool at its own address
(deploy/flink/cluster.py gives each TaskManager's JVM a hosts file that names its pool).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

import grpc
from apache_beam.portability.api import beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
from apache_beam.utils import thread_pool_executor


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True, help="a loopback address, e.g. 127.0.0.2")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = grpc.server(
        thread_pool_executor.shared_unbounded_instance(),
        options=[("grpc.http2.max_pings_without_data", 0), ("grpc.http2.max_ping_strikes", 0)],
    )
    if server.add_insecure_port(f"{args.host}:{args.port}") == 0:
        sys.exit(f"worker pool: cannot listen on {args.host}:{args.port}")
    pool = BeamFnExternalWorkerPoolServicer(use_process=True)
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(pool, server)
    server.start()
    logging.info("worker pool listening on %s:%d", args.host, args.port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for process in list(pool._worker_processes.values()):
        process.terminate()
    server.stop(5)


if __name__ == "__main__":
    main()
