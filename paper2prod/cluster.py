"""A small Spark standalone cluster on this machine: one master and two workers on 127.0.0.1.

    python -m paper2prod.cluster start    # starts it, waits for both workers, prints the master URL
    python -m paper2prod.cluster status   # what is running (exit 0: running, 1: not running)
    python -m paper2prod.cluster stop     # stops every process it started, executors included

(`paper2prod-cluster start|status|stop` is the same command, installed with the package.)

Then send any job to it by changing the master URL only, for example

    PAPER2PROD_SPARK_MASTER=spark://127.0.0.1:PORT python my_job.py
    spark-submit --master spark://127.0.0.1:PORT my_job.py

On a real cluster the master runs on one machine and a worker on each of the others. Here all
three daemons run on this machine and listen on the loopback address 127.0.0.1 only, so nothing
outside the machine can reach them. Everything comes from the PySpark installation (SPARK_HOME is
the pyspark package folder): its pip package ships Spark's jars and bin/spark-class but not
sbin/start-master.sh or sbin/start-worker.sh, so this script does what those scripts do and
launches the Master and Worker classes through bin/spark-class. Each daemon gets its own process
group and a marker in its environment (its state folder), which its executors inherit; stopping
kills the groups and then checks that no process with the marker is left. Processes and their
sockets are found with psutil, so this works on Linux and macOS alike.

State (ports, process ids, logs, the workers' scratch space) lives in one folder, by default
<temp>/paper2prod-spark-cluster-<user>; --state-dir or PAPER2PROD_CLUSTER_DIR picks another, so
two clusters (say a test's and a notebook's) can run side by side.

Exit codes: 0 done, 1 the cluster could not start (or, for status, is not running), 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from paper2prod.processes import alive
from paper2prod.scratch import user_temp_folder
from paper2prod.spark import LOOPBACK, SHORT_LIVED_JVM  # LOOPBACK: the only address any daemon may bind to

MARKER = "PAPER2PROD_CLUSTER_STATE"  # environment variable (= the state folder) on every process of a cluster
STATE_FILE = "cluster.json"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
WORKERS = 2
CORES_PER_WORKER = 1  # two workers x one core: this machine has two
MEMORY_PER_WORKER = "1g"  # room for one executor with Spark's default 1g
DAEMON_MEMORY = "512m"  # heap of the master and worker daemons themselves (Spark's default is 1g)
START_TIMEOUT = 180.0  # seconds; a shared 2-core machine can be slow to start three JVMs
STOP_TIMEOUT = 30.0


class ClusterError(RuntimeError):
    """The cluster could not start or stop; the message says why and where the logs are."""


class DaemonExited(ClusterError):
    """A daemon died during start-up (for example, its port was taken meanwhile): worth a retry."""


@dataclass
class Cluster:
    master_url: str  # spark://127.0.0.1:PORT
    web_ui: str  # http://127.0.0.1:PORT (the master's status page; /json/ for machines)
    state_dir: str
    pids: dict  # {"master": pid, "worker-1": pid, ...}; each pid leads its own process group
    started: float  # time.time() when all workers had registered


# ---------------------------------------------------------------- places


def spark_home() -> Path:
    """The pyspark package folder: it holds Spark's jars/ and bin/ (and so is SPARK_HOME)."""
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").is_file() or not (home / "jars").is_dir():
        raise ClusterError(f"{home} lacks bin/spark-class or jars/: is pyspark fully installed?")
    return home


def default_state_dir() -> Path:
    chosen = os.environ.get("PAPER2PROD_CLUSTER_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    return user_temp_folder("spark-cluster", create=False)


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it; a race is possible, start retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- processes


def marked_processes(state_dir: Path | str) -> list[int]:
    """Process ids carrying the marker of the cluster in state_dir: daemons and their executors."""
    tag = str(Path(state_dir).resolve())
    found = []
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error):  # gone meanwhile, a zombie, or not ours to read
            if process.environ().get(MARKER) == tag and alive(process.pid):
                found.append(process.pid)
    return sorted(found)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _leftovers(state: Path) -> list[int]:
    """Everything of this cluster that still runs. Only the marker counts, never a recorded pid
    alone: after a reboot that number may belong to somebody else's process."""
    return marked_processes(state)


def listening_addresses(pids: list[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket these processes listen on."""
    found = set()
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            for connection in psutil.Process(pid).net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    address = ipaddress.ip_address(connection.laddr.ip.split("%")[0])
                    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:127.0.0.1 -> 127.0.0.1
                    found.add((str(address), connection.laddr.port))
    return sorted(found)


def is_loopback(address: str) -> bool:
    parsed = ipaddress.ip_address(address)
    mapped = getattr(parsed, "ipv4_mapped", None)  # ::ffff:127.0.0.1, how Java reports IPv4 sockets
    return parsed.is_loopback or bool(mapped and mapped.is_loopback)


def _launch(kind: str, arguments: list[str], env: dict, log_file: Path) -> subprocess.Popen:
    """Start one daemon in a new session: its pid is also its process group id."""
    command = [str(spark_home() / "bin" / "spark-class"), kind, *arguments]
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _daemon_env(state: Path) -> dict:
    env = dict(os.environ)
    # A SPARK_HOME pointing at another Spark would mix versions between driver and cluster.
    env.update(
        {
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOCAL_IP": LOOPBACK,  # bind every listening socket, web pages included, to loopback
            "SPARK_PUBLIC_DNS": LOOPBACK,  # and advertise that address in links and to executors
            "SPARK_MASTER_HOST": LOOPBACK,
            "SPARK_LOCAL_DIRS": str(state / "local"),  # shuffle and spill files, removed on stop
            "SPARK_LOG_DIR": str(state / "logs"),
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            # The daemons do little computing: a quick-starting JIT and one GC thread suit two cores.
            "SPARK_DAEMON_JAVA_OPTS": SHORT_LIVED_JVM,
            # No REST submission server: it would listen on a fixed port (6066) shared by every cluster.
            "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
            "PYSPARK_PYTHON": env.get("PYSPARK_PYTHON", sys.executable),
            MARKER: str(state),
        }
    )
    env.pop("SPARK_CONF_DIR", None)
    return env


# ---------------------------------------------------------------- the master's status page

# Straight to 127.0.0.1: an http_proxy setting must never send these requests off the machine.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def master_json(web_ui: str, timeout: float = 3.0) -> dict | None:
    """The master's own view (status, aliveworkers, workers, activeapps), or None if unreachable."""
    try:
        with _NO_PROXY.open(f"{web_ui}/json/", timeout=timeout) as response:
            return json.loads(response.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((LOOPBACK, port)) == 0


def _log_tail(state: Path, lines: int = 15) -> str:
    parts = []
    for log in sorted((state / "logs").glob("*.log")):
        text = log.read_text(errors="replace").splitlines()
        parts.append(f"--- {log.name} (last {lines} lines)\n" + "\n".join(text[-lines:]))
    return "\n".join(parts)


def _wait_for(what: str, ready, processes: dict[str, subprocess.Popen], state: Path, deadline: float) -> None:
    """Poll `ready()` until it is true; fail early if a daemon died, or at the deadline."""
    while True:
        if ready():
            return
        for name, process in processes.items():
            if process.poll() is not None:
                raise DaemonExited(
                    f"the {name} exited with code {process.returncode} while waiting for "
                    f"{what}; its log is in {state / 'logs'}\n{_log_tail(state)}"
                )
        if time.monotonic() > deadline:
            raise ClusterError(
                f"timed out waiting for {what}; the machine may be overloaded, or "
                f"a daemon is stuck. Logs: {state / 'logs'}\n{_log_tail(state)}"
            )
        time.sleep(0.5)


# ---------------------------------------------------------------- start, status, stop


def read_state(state_dir: Path | str | None = None) -> Cluster | None:
    file = Path(state_dir or default_state_dir()) / STATE_FILE
    try:
        return Cluster(**json.loads(file.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _write_state(cluster: Cluster) -> None:
    file = Path(cluster.state_dir) / STATE_FILE
    partial = file.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(cluster), indent=1))
    partial.replace(file)  # atomic: readers see the old file or the whole new one


def status(state_dir: Path | str | None = None) -> dict:
    """{"running": bool, "master_url", "alive_workers", "processes", ...} for the cluster in state_dir."""
    cluster = read_state(state_dir)
    if cluster is None:
        return {"running": False, "reason": f"no cluster recorded in {state_dir or default_state_dir()}"}
    view = master_json(cluster.web_ui) or {}
    alive = int(view.get("aliveworkers", 0))
    processes = _leftovers(Path(cluster.state_dir))
    return {
        "running": view.get("status") == "ALIVE" and alive >= 1,
        "master_url": cluster.master_url,
        "web_ui": cluster.web_ui,
        "alive_workers": alive,
        "workers_expected": len(cluster.pids) - 1,
        "active_apps": len(view.get("activeapps", [])),
        "processes": processes,
        "listening": listening_addresses(processes),
        "state_dir": cluster.state_dir,
    }


def start(
    state_dir: Path | str | None = None, workers: int = WORKERS, timeout: float = START_TIMEOUT, attempts: int = 3
) -> Cluster:
    """Start a master and `workers` workers on 127.0.0.1; return once every worker has registered.

    If a healthy cluster is already recorded in state_dir, return it (starting twice is harmless).
    Raises ClusterError, with the end of the daemons' logs, when the cluster cannot start; in that
    case nothing is left running.
    """
    state = Path(state_dir or default_state_dir()).resolve()
    existing = read_state(state)
    if existing is not None:
        now = status(state)
        if now["running"] and now["alive_workers"] == workers:
            return existing
    stop(state)  # a stale, half-dead or crashed earlier cluster in this folder: clean up first
    from paper2prod import preflight

    try:
        preflight.check_java()
    except preflight.PreflightError as error:
        raise ClusterError(str(error)) from None
    for attempt in range(1, attempts + 1):  # a port picked by free_port() can be taken before use
        try:
            return _start_once(state, workers, timeout)
        except DaemonExited:
            if attempt == attempts:
                raise


def _start_once(state: Path, workers: int, timeout: float) -> Cluster:
    _fresh_state_folders(state)
    env = _daemon_env(state)
    master_port, ui_port = free_port(), free_port()
    cluster = Cluster(
        master_url=f"spark://{LOOPBACK}:{master_port}",
        web_ui=f"http://{LOOPBACK}:{ui_port}",
        state_dir=str(state),
        pids={},
        started=0.0,
    )
    processes: dict[str, subprocess.Popen] = {}
    deadline = time.monotonic() + timeout

    def launch(name: str, main_class: str, arguments: list[str]) -> None:
        processes[name] = _launch(main_class, arguments, env, state / "logs" / f"{name}.log")
        cluster.pids[name] = processes[name].pid
        _write_state(cluster)  # recorded at once, so `stop` can clean up even a failed start

    def wait_for(what: str, ready) -> None:
        _wait_for(what, ready, processes, state, deadline)

    try:
        launch("master", MASTER_CLASS, ["--host", LOOPBACK, "--port", str(master_port), "--webui-port", str(ui_port)])
        # Workers retry registration for a while, so they can start as soon as the master listens.
        wait_for("the master to listen", lambda: _listening(master_port))
        for number in range(1, workers + 1):
            name = f"worker-{number}"
            launch(name, WORKER_CLASS, _worker_arguments(state / "work" / name, cluster.master_url))
        wait_for("the master", lambda: (master_json(cluster.web_ui) or {}).get("status") == "ALIVE")
        wait_for(
            f"{workers} workers to register",
            lambda: int((master_json(cluster.web_ui) or {}).get("aliveworkers", 0)) >= workers,
        )
    except BaseException:  # including KeyboardInterrupt: never leave half a cluster behind
        stop(state)
        raise
    cluster.started = time.time()
    _write_state(cluster)
    return cluster


def _fresh_state_folders(state: Path) -> None:
    """Empty local/ and work/ (a previous run's shuffle files and jobs), keep logs/ but not its logs."""
    for folder in ("local", "work"):
        shutil.rmtree(state / folder, ignore_errors=True)
    for folder in ("logs", "local", "work"):
        (state / folder).mkdir(parents=True, exist_ok=True)
    for old_log in (state / "logs").glob("*.log"):
        old_log.unlink()


def _worker_arguments(work_dir: Path, master_url: str) -> list[str]:
    """A worker on loopback, on any free ports (0), with the course's cores and memory."""
    return [
        "--host", LOOPBACK, "--port", "0", "--webui-port", "0",
        "--cores", str(CORES_PER_WORKER), "--memory", MEMORY_PER_WORKER,
        "--work-dir", str(work_dir), master_url,
    ]  # fmt: skip


def stop(state_dir: Path | str | None = None, timeout: float = STOP_TIMEOUT) -> list[int]:
    """Stop the cluster of state_dir: workers (and their executors) first, then the master.

    Also finds processes of a start that failed before it could record them (they carry the
    marker). Returns the process ids that were running. Raises ClusterError if any survive SIGKILL.
    """
    state = Path(state_dir or default_state_dir()).resolve()
    cluster = read_state(state)
    running = _leftovers(state)
    if cluster is None and not running:
        return []
    recorded = dict(cluster.pids) if cluster else {}
    # Polite first (SIGTERM lets a worker kill its executors and the master note it), then firm.
    groups = [pid for name, pid in sorted(recorded.items()) if name != "master"] + [
        recorded[name] for name in ("master",) if name in recorded
    ]
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        for pgid in groups:
            if pgid in running:
                _signal_group(pgid, sig)
        for pid in _leftovers(state):  # anything that left its group, or was never recorded
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _leftovers(state) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _leftovers(state):
            break
    for pid in recorded.values():  # reap our own children (a start in this process): no zombies
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    survivors = _leftovers(state)
    if survivors:
        raise ClusterError(f"processes {survivors} of the cluster in {state} survived SIGKILL; check them with ps")
    for folder in ("local", "work"):  # scratch space; the logs stay for a post-mortem
        shutil.rmtree(state / folder, ignore_errors=True)
    (state / STATE_FILE).unlink(missing_ok=True)
    return running


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="paper2prod-cluster", description="A Spark standalone cluster on 127.0.0.1: one master, two workers."
    )
    parser.add_argument("command", choices=["start", "status", "stop"])
    parser.add_argument(
        "--state-dir",
        default=None,
        help=f"folder for ports, pids and logs (default: $PAPER2PROD_CLUSTER_DIR or {default_state_dir()})",
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="number of workers (default 2)")
    parser.add_argument("--timeout", type=float, default=START_TIMEOUT, help="seconds to wait at start")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            cluster = start(args.state_dir, workers=args.workers, timeout=args.timeout)
            print(cluster.master_url)
            print(f"web UI: {cluster.web_ui}   state and logs: {cluster.state_dir}", file=sys.stderr)
            print(
                "stop it with: python -m paper2prod.cluster stop"
                + (f" --state-dir {args.state_dir}" if args.state_dir else ""),
                file=sys.stderr,
            )
            return 0
        if args.command == "status":
            now = status(args.state_dir)
            if not now["running"]:
                print(f"not running: {now.get('reason', 'the master does not answer')}")
                return 1
            print(
                f"running: {now['master_url']} with {now['alive_workers']} of {now['workers_expected']} "
                f"workers, {now['active_apps']} application(s); web UI {now['web_ui']}"
            )
            if now["listening"]:
                print(
                    "listening on "
                    + ", ".join(sorted({a for a, _ in now["listening"]}))
                    + " only, ports "
                    + " ".join(str(p) for _, p in now["listening"])
                )
            return 0
        stopped = stop(args.state_dir)
        print(f"stopped {len(stopped)} process(es)" if stopped else "nothing was running")
        return 0
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
