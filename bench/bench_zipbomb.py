#!/usr/bin/env python
"""Peak memory of the form import job fed a zip bomb.

Usage::

    .venv/bin/python bench/bench_zipbomb.py                  # this checkout
    .venv/bin/python bench/bench_zipbomb.py --root ../other  # another checkout, same virtualenv
    .venv/bin/python bench/bench_zipbomb.py --members 40 --member-mb 20

Builds a zip of ``--members`` members named ``学校NN.xlsx``, each ``--member-mb`` MiB of zeros
(40 × 20 MiB deflate to about 814 KB), then runs the form import job on it
(``campaigns.form_import`` through ``core.jobs.job_run``, as the job worker does) in a fresh
subprocess with its own SQLite database under ``bench/out/zipbomb``. The child prints its
resident memory before the job (``/proc/self/statm``), its peak (``resource.getrusage``
``ru_maxrss``) before and after the job, how long the job took, and the job's outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import harness  # stdlib only: options, environment, timing, report, JSON
from harness import ROOT

MIB = 1024 * 1024


def build_bomb(path: Path, *, members: int, member_mb: int) -> int:
    zeros = b"\0" * (member_mb * MIB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(1, members + 1):
            archive.writestr(f"学校{n:02d}.xlsx", zeros)
    return path.stat().st_size


CHILD = r"""
import json, os, resource, sys, time
root, bomb = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
os.chdir(root)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.files.base import ContentFile
from safecampus.core.jobs import job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import BureauFactory, user_with_role

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

user = user_with_role(Role.SAFETY_CENTRE, BureauFactory(), username="bench_centre")
with open(bomb, "rb") as fh:
    job = Job.objects.create(
        kind="campaigns.form_import", title="bomb", created_by=user,
        params={"name": "全区排查表.zip"}, input_file=ContentFile(fh.read(), name="bomb.zip"),
    )
import gc; gc.collect()
before_rss, before_peak = rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
job = job_run(job.pk)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result = job.result or {}
print(json.dumps({
    "rss_before_job_mb": round(before_rss, 1),
    "peak_before_job_mb": round(before_peak, 1),
    "peak_after_job_mb": round(peak, 1),
    "job_seconds": round(seconds, 2),
    "status": job.status,
    "message": result.get("message", ""),
    "workbooks": [(w["name"], w["status"], w["message"]) for w in result.get("workbooks", [])][:3],
    "workbook_count": len(result.get("workbooks", [])),
}, ensure_ascii=False))
"""


def main(argv=None) -> int:
    p = harness.parser(__doc__)
    p.add_argument("--root", default=str(ROOT), help="the checkout to run (default: this one)")
    p.add_argument("--members", type=int, default=40)
    p.add_argument("--member-mb", type=int, default=20)
    args = harness.parse(p, argv)
    root = Path(args.root).resolve()
    out = harness.fresh_dir(harness.OUT_DIR / "zipbomb")
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.zip"
        size = build_bomb(bomb, members=args.members, member_mb=args.member_mb)
        print(
            f"zip: {size / 1024:.0f} KB on disk, {args.members} members × {args.member_mb} MiB "
            f"of zeros = {args.members * args.member_mb} MiB expanded"
        )
        print(f"checkout: {root} ({harness.git_head(root, fmt='%h %s', missing='?')[:80]})")
        # the embedded SQLite default, in a folder of its own (the child sets its settings)
        env = harness.bench_env(out, settings=None, clear=("DATABASE_URL",))
        env |= {"SAFECAMPUS_JOBS_IMMEDIATE": "1"}
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), str(bomb)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr[-4000:], sep="\n")
        return proc.returncode
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, value in figures.items():
        print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
