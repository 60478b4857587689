"""The facilitator's metrics in the Prometheus text exposition format (version 0.0.4,
https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), without a
client library: requests by route and outcome, settle latency, settlements in flight and pending."""

from __future__ import annotations

import threading
from typing import Dict, List, Tuple

__all__ = ["Metrics"]

SETTLE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Dict[Tuple[str, str], int] = {}
        self._buckets = [0] * len(SETTLE_BUCKETS)
        self._settle_count = 0
        self._settle_sum = 0.0
        self.in_flight = 0
        self.pending = 0

    def request(self, route: str, outcome: str) -> None:
        with self._lock:
            self._requests[(route, outcome)] = self._requests.get((route, outcome), 0) + 1

    def settle_latency(self, seconds: float) -> None:
        with self._lock:
            self._settle_count += 1
            self._settle_sum += seconds
            for i, bound in enumerate(SETTLE_BUCKETS):
                if seconds <= bound:
                    self._buckets[i] += 1

    def add(self, name: str, delta: int) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + delta)

    def render(self) -> str:
        with self._lock:
            out: List[str] = [
                "# HELP pay402_facilitator_requests_total Requests by route and outcome (the verdict's code, ok, or an HTTP error).",
                "# TYPE pay402_facilitator_requests_total counter",
            ]
            for (route, outcome), n in sorted(self._requests.items()):
                out.append(f'pay402_facilitator_requests_total{{route="{_label(route)}",outcome="{_label(outcome)}"}} {n}')
            out += [
                "# HELP pay402_facilitator_settle_seconds Time to settle one payment (/settle that sent or waited).",
                "# TYPE pay402_facilitator_settle_seconds histogram",
            ]
            for bound, n in zip(SETTLE_BUCKETS, self._buckets):
                out.append(f'pay402_facilitator_settle_seconds_bucket{{le="{bound}"}} {n}')
            out.append(f'pay402_facilitator_settle_seconds_bucket{{le="+Inf"}} {self._settle_count}')
            out.append(f"pay402_facilitator_settle_seconds_sum {self._settle_sum}")
            out.append(f"pay402_facilitator_settle_seconds_count {self._settle_count}")
            out += [
                "# HELP pay402_facilitator_settlements_in_flight Settlements this process is sending or waiting for.",
                "# TYPE pay402_facilitator_settlements_in_flight gauge",
                f"pay402_facilitator_settlements_in_flight {self.in_flight}",
                "# HELP pay402_facilitator_settlements_pending Settlements this process answered settlement_pending and has not seen end.",
                "# TYPE pay402_facilitator_settlements_pending gauge",
                f"pay402_facilitator_settlements_pending {self.pending}",
            ]
            return "\n".join(out) + "\n"
