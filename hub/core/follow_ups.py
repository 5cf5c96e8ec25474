"""Hooks between apps: what must happen after an app's data is stored.

An app that produces data declares a `FollowUps` per kind of change; apps that act on it register
a function in their AppConfig.ready(). The producer records one outbox job per transaction whose
task calls `run`, so the functions run after commit, on a worker, and again after a failure: each
must be idempotent.

    declarations_changed = FollowUps()                   # in the producer's follow_ups.py
    declarations_changed.register(declarations_match)    # in the consumer's ready()
    declarations_changed.run(declaration_ids=[...])      # in the producer's outbox task
"""


class FollowUps:
    def __init__(self):
        self.functions = []

    def __bool__(self) -> bool:
        return bool(self.functions)

    def register(self, function) -> None:
        if function not in self.functions:
            self.functions.append(function)

    def unregister(self, function) -> None:
        self.functions.remove(function)

    def run(self, **ids) -> None:
        for function in self.functions:
            function(**ids)
