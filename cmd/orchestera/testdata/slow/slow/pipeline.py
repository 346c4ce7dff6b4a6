"""A pipeline that prints a numbered line a second for --seconds seconds:
long enough to cancel, or to restart the server under."""

import time

from orchestera.entrypoints.base import Argument, SparkEntrypoint


class Ticker(SparkEntrypoint):
    seconds = Argument(int, default=30, help="how long to run")

    def run(self):
        for i in range(self.seconds):
            print(f"tick {i}", flush=True)
            time.sleep(1)
        print("ticker done", flush=True)
