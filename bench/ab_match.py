"""Two versions of the service side by side, measured in turns: server CPU per match, GET p50
at one client, and matches/s at 16 clients.

    git archive main | tar -x -C /tmp/before      # any two source trees
    python bench/ab_match.py --before /tmp/before --after . [--rounds 4] [--seconds 5]

On a shared machine the load changes by the minute, so two ``bench/run.py`` runs one after the
other compare the machine as much as the code. Here both servers (one worker, SQLite, the same
generated directory) are up at once and measured in alternating order, round after round, and
the server's own CPU time per match (``/proc/<pid>/stat``) counts besides wall time: it moves
much less with other work on the machine. Prints every round and the medians.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for _path in (str(BENCH.parent), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from _load import run_load  # noqa: E402
from _servers import Server, new_token, stop_all, wegwijs_server  # noqa: E402
from run import get_matches_maker, load_generator, loaded_and_warm  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / TICK


def start(tree: Path, scratch: Path, token: str, generator, document: dict) -> tuple[Server, list]:
    """``wegwijs serve`` running the code in ``tree``, loaded and warmed up."""
    os.environ["PYTHONPATH"] = str(tree.resolve())  # the server's imports come from this tree
    url = f"sqlite:///{scratch / 'wegwijs.db'}"
    server = wegwijs_server(database_url=url, workers=1, cwd=scratch, admin_token=token)
    server.start()
    server.wait_ready()
    return server, loaded_and_warm(server, token, generator, document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree")
    parser.add_argument("--after", type=Path, required=True, help="source tree")
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase")
    args = parser.parse_args()
    generator = load_generator()
    document = generator.generate(contacts=args.contacts)
    token = new_token()
    servers: dict[str, tuple[Server, list]] = {}
    figures: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="wegwijs-ab-") as directory:
        try:
            for name, tree in (("before", args.before), ("after", args.after)):
                scratch = Path(directory) / name
                scratch.mkdir()
                servers[name] = start(tree, scratch, token, generator, document)
                figures[name] = {"cpu ms/match @1": [], "p50 ms @1": [], "cpu ms/match @16": []}
                figures[name]["matches/s @16"] = []
            for round_ in range(args.rounds):
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                for name in order:
                    server, ids = servers[name]
                    measured = figures[name]
                    for clients in (1, 16):
                        pids = server.pids()
                        before = cpu_seconds(pids)
                        result = run_load(
                            server.port,
                            get_matches_maker(ids, token),
                            clients=clients,
                            seconds=args.seconds,
                            max_requests=1_000_000,
                        )
                        used = cpu_seconds(pids) - before
                        if result.errors:
                            print(f"{name}: {result.errors} errors {result.error_samples}")
                        measured[f"cpu ms/match @{clients}"].append(1000 * used / result.requests)
                        if clients == 1:
                            measured["p50 ms @1"].append(result.p(0.5))
                        else:
                            measured["matches/s @16"].append(result.per_second)
                    last = {key: round(values[-1], 2) for key, values in measured.items()}
                    print(f"round {round_ + 1} {name}: {last}", flush=True)
        finally:
            for server, _ in servers.values():
                server.stop()
            stop_all()
    for name, measured in figures.items():
        medians = {key: round(statistics.median(values), 2) for key, values in measured.items()}
        print(f"median {name}: {medians}")


if __name__ == "__main__":
    main()
