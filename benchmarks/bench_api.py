"""Benchmark of the lightest authenticated API request under a real server.

Starts gunicorn with the production settings (DEBUG off, Redis cache and throttles, the
whole middleware chain) on a PostgreSQL database, creates an API token for a demo user,
and drives it with a small load generator (threads, one request at a time each, new
connection per request as a client without keep-alive does) for a few seconds per
endpoint:

- a bare Django JSON view behind the same middleware (benchmarks/bare_urls.py): the floor;
- `GET /api/v1/me/` with the token (authentication, throttling, one serializer);
- `GET /api/v1/evaluations/{rfp}/results/` of an RFP with 100 scored proposals (built
  once through the services by benchmarks/bench_results.py's `build`, kept in the
  database), as a viewer: the stored results (issue 16's goal: 10 % of the bare view).

Prints requests per second and each as a share of the floor's (issue 16's goal: /me/ at
25 % of the bare view or more).

Run from the project root, with the demo data loaded in that database
(`manage.py migrate && manage.py seed_demo`):
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python benchmarks/bench_api.py
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(port: int, path: str, headers: dict[str, str], seconds: float, clients: int) -> float:
    """Requests per second answered 200 by `clients` threads during `seconds`."""
    done = [0] * clients
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def run(slot: int) -> None:
        while time.perf_counter() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path, headers={"Host": "localhost", **headers})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    done[slot] += 1
                elif len(errors) < 3:
                    errors.append(f"{path}: {response.status}")
            finally:
                conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit("Unexpected answers: " + "; ".join(errors))
    return sum(done) / (time.perf_counter() - started)


def scored_rfp(count: int) -> int:
    """The benchmark RFP with `count` scored proposals, built once and kept."""
    from benchmarks.bench_results import build
    from rfp.models import RFP

    title = f"Benchmark with {count} proposals"
    existing = RFP.objects.filter(title=title).values_list("pk", flat=True).first()
    if existing is not None:
        return int(existing)
    started = time.perf_counter()
    rfp = build(count, 5000)
    print(f"  (built an RFP with {count} proposals in {time.perf_counter() - started:.0f} s)")
    return int(rfp.pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--user", default="pm@northwind.example")
    parser.add_argument("--proposals", type=int, default=100)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database holding the demo data.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the throttles and the cache are part of what is measured.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings.base")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "True")  # building the RFP's e-mails
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import api_token_create

    user = User.objects.get(email=args.user)
    _, key = api_token_create(user=user, name=f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}")
    rfp_id = scored_rfp(args.proposals)
    viewer = User.objects.get(email="viewer@bench.example")
    _, viewer_key = api_token_create(user=viewer, name=f"bench {time.strftime('%H:%M:%S')}")

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "ALLOWED_HOSTS": "localhost",
        # The throttle is measured, not hit: a benchmark sends far more than a person.
        "API_THROTTLE_USER": "100000000/hour",
        "API_THROTTLE_ANON": "100000000/hour",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bpo_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit("gunicorn did not start")
                time.sleep(0.2)
        token = {"Authorization": f"Token {key}"}
        viewer_token = {"Authorization": f"Token {viewer_key}"}
        cases = [
            ("bare Django JSON view (floor)", "/bench/bare/", {}),
            ("/api/v1/me/", "/api/v1/me/", token),
            (
                f"results API, {args.proposals} proposals",
                f"/api/v1/evaluations/{rfp_id}/results/",
                viewer_token,
            ),
        ]
        for _, path, headers in cases:  # warm up every worker
            load(port, path, headers, 1.0, args.clients)
        rates = [
            (name, load(port, path, headers, args.seconds, args.clients))
            for name, path, headers in cases
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    floor = rates[0][1]
    print(
        f"API under gunicorn ({args.workers} workers, {args.clients} clients, "
        f"{args.seconds:.0f} s each, PostgreSQL + Redis)"
    )
    for name, rate in rates:
        print(f"  {name:<34} {rate:8.0f} req/s  {100 * rate / floor:5.1f} % of the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
