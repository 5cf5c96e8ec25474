import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from fixtures.world.generator import EVALUATION, SHANGHAI, SIZES, generate
from fixtures.world.loader import world_load
from fixtures.world.report import report_build, report_markdown
from hub.celery import app as celery_app
from hub.enterprises.models import Enterprise
from hub.risk.services import profiles_refresh


class Command(BaseCommand):
    help = (
        "Build a synthetic trade world in this empty database, run it through the hub (history "
        "with inspection outcomes, then the evaluation period), refresh the risk profiles and "
        "report per lane how they compare with the truth (docs/risk-world.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="The world's seed (default 1).")
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--report", type=Path, help="Also write the Markdown report here.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database holds enterprises already; they stay.",
        )

    def handle(self, *args, seed, size, report, force, **options):
        if not force and Enterprise.objects.exists():
            raise CommandError(
                "This database holds enterprises already, and the world is measured on a fresh "
                "one: point DATABASE_URL at an empty database and migrate it, or pass --force to "
                "add the world beside what is there."
            )
        # The world ends today, since the engine weighs history by its age at refresh time.
        today = datetime.now(SHANGHAI).date()
        size_parameters = SIZES[size]
        days = size_parameters.history_days + size_parameters.evaluation_days
        parameters = replace(size_parameters, seed=seed, start=today - timedelta(days=days))
        # Jobs run here, in the order the events happened, whatever REDIS_URL says: the figures
        # must not depend on how fast workers drain a queue.
        in_process = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        started = time.monotonic()
        world = generate(parameters)
        self.stderr.write(f"World of seed {seed} ({size}): {len(world.trades):,} declarations")
        try:
            ids = world_load(world, progress=self.stderr.write)
            evaluated = [
                ids[trade.declaration.number]
                for trade in world.trades
                if trade.period == EVALUATION
            ]
            profiles_refresh(declaration_ids=evaluated)
        except IntegrityError as error:
            raise CommandError(
                f"The hub already holds part of this world ({error}): a seed loads once per "
                "database."
            ) from None
        finally:
            celery_app.conf.task_always_eager = in_process
        self.stderr.write(f"Loaded and profiled in {time.monotonic() - started:.0f} s")
        command = f"python manage.py world_run --seed {seed} --size {size}"
        markdown = report_markdown(report_build(world, ids, command=command))
        if report:
            report.write_text(markdown, encoding="utf-8")
        self.stdout.write(markdown)
