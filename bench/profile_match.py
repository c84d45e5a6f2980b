"""Where the time of one match goes in the server: ``wegwijs serve`` (one worker, SQLite) with
N generated contacts, one client asking GET matches in a loop, sampled with ``py-spy``.

    pip install py-spy   # a profiling tool, not a dependency of the service
    python bench/profile_match.py [--contacts 20000] [--seconds 20] [--out /tmp/profile]

Writes ``<out>/stacks.txt`` (py-spy's collapsed stacks, for flame graphs) and prints the share
of samples per part of the match path (see PARTS) and the busiest functions by own time.
"""

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for _path in (str(BENCH.parent), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from _load import run_load  # noqa: E402
from _servers import new_token, stop_all, wegwijs_server  # noqa: E402
from run import API, get_matches_maker, load_generator, loaded_and_warm  # noqa: E402

# The first frame of a stack (from the outermost) that names one of these decides its part.
PARTS = (
    ("engine: rank", ("matching/rank.py", "matching/index.py", "matching/signals.py")),
    ("engine: understand", ("matching/sentences.py", "matching/places.py", "matching/text.py")),
    ("presentation (cards, reasons)", ("_present", "match_presentation", "cards.py")),
    ("capacity + track records", ("capacity_left", "track_records", "open_introduction")),
    ("directory version check", ("directory_for",)),
    ("key + principal", ("principal", "api_keys", "verify")),
    ("database session", ("get_session", "sqlalchemy/orm/session.py", "pool")),
    ("response serialisation", ("serialize_response", "jsonable_encoder", "render", "orjson")),
    ("validation", ("pydantic", "model_validate")),
    ("middleware", ("middleware.py", "ratelimit.py", "observability.py", "metrics.py")),
    ("http + asgi", ("uvicorn", "h11", "httptools", "starlette", "anyio", "fastapi")),
)
# Leaf frames of a thread that waits.
IDLE = ("Condition.wait", "Runner.run", "select (", "epoll", "Thread.run (threading")


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):  # innermost first: the most specific part wins
        for name, needles in PARTS:
            if any(n in frame for n in needles):
                return name
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "profile")
    parser.add_argument("--stacks", type=Path, help="only summarise this earlier stacks.txt")
    args = parser.parse_args()
    if args.stacks:
        summarise(args.stacks)
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    generator = load_generator()
    document = generator.generate(contacts=args.contacts)
    token = new_token()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wegwijs-profile-") as directory:
        scratch = Path(directory)
        server = wegwijs_server(
            database_url=f"sqlite:///{scratch / 'wegwijs.db'}",
            workers=1,
            cwd=scratch,
            admin_token=token,
        )
        try:
            server.start()
            server.wait_ready()
            ids = loaded_and_warm(server, token, generator, document)
            stacks = args.out / "stacks.txt"
            sampler = subprocess.Popen(  # noqa: S603 (our own command line)
                [
                    *(spy, "record", "--format", "raw", "--rate", "500", "--nonblocking"),
                    *("--duration", str(int(args.seconds)), "--pid", str(server.pids()[-1])),
                    *("--output", str(stacks)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            result = run_load(
                server.port,
                get_matches_maker(ids, token),
                clients=1,
                seconds=args.seconds - 2,
                max_requests=100_000,
            )
            sampler.wait(timeout=args.seconds + 30)
        finally:
            server.stop()
            stop_all()
    print(f"{result.requests} matches, p50 {result.p(0.5):.2f} ms, {result.per_second:.0f}/s")
    print(f"one match ≈ {1000 / max(result.per_second, 1e-9):.2f} ms wall at one client")
    summarise(stacks)


def summarise(stacks: Path) -> None:
    parts: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if any(idle in stack.split(";")[-1] for idle in IDLE):
            continue  # a thread waiting: for the next request, or for work in the threadpool
        total += int(count)
        parts[part_of(stack)] += int(count)
        own[stack.split(";")[-1]] += int(count)
    print(f"busy samples: {total} (all threads of the worker; waiting threads left out)")
    for name, count in parts.most_common():
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("busiest functions (own time):")
    for frame, count in own.most_common(15):
        print(f"  {100 * count / total:5.1f} %  {frame}")
    print(f"stacks: {stacks} ({API}/initiatives/{{id}}/matches)")


if __name__ == "__main__":
    main()
