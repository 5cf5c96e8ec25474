from pathlib import Path

from django.core.management.base import BaseCommand

from hub.partners import matching
from hub.partners.evaluation import APART, MERGE, PAIRS_PATH, REVIEW, evaluate, labelled_pairs


class Command(BaseCommand):
    help = (
        "Measure precision and recall of partner resolution on labelled company-name pairs at "
        "the thresholds in hub/partners/matching.py (the figures of docs/partner-resolution.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pairs", type=Path, default=PAIRS_PATH)
        parser.add_argument(
            "--errors", action="store_true", help="List the pairs resolution gets wrong."
        )

    def handle(self, *args, pairs, errors, **options):
        figures = evaluate(labelled_pairs(pairs))
        write = self.stdout.write
        write(
            f"{figures.pairs} labelled pairs: {figures.matches} of one company, "
            f"{figures.pairs - figures.matches} of two"
        )
        write(
            f"merge at {matching.MERGE_THRESHOLD:g}, officer review from "
            f"{matching.REVIEW_THRESHOLD:g}\n"
        )
        write("| outcome | precision | recall |\n|---|---|---|")
        write(
            f"| merged without asking | {figures.merge_precision:.3f} | "
            f"{figures.merge_recall:.3f} |"
        )
        write(
            f"| merged or queued for an officer | {figures.review_precision:.3f} | "
            f"{figures.review_recall:.3f} |"
        )
        write(f"\n{figures.queued} pairs go to the confirmation queue.\n")
        write("| pattern | pairs | merged | queued | apart |\n|---|---|---|---|---|")
        for pattern, decisions in sorted(figures.by_pattern.items()):
            write(
                f"| {pattern} | {decisions.total()} | {decisions[MERGE]} | {decisions[REVIEW]} "
                f"| {decisions[APART]} |"
            )
        if errors:
            write("\nWrong even with officers:")
            for pair, score, decision in figures.errors:
                names = f"{pair.name_a}  |  {pair.name_b}"
                write(f"  {decision:6} {score:5.1f}  {names}  ({pair.pattern})")
