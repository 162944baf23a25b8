"""What the prepare-step tests share about their seeded random sweeps: one seeded case (with a fault planted in
some of them), and a DataFaultError's message read back as (class, b, r[, t]) to compare with the oracle's Fault."""

from __future__ import annotations

import random
import re
from typing import Any, Callable


def seeded_case(seed: int, random_case: Callable[[random.Random], dict], plant_fault: Callable[[random.Random, dict],
                None], plant_every: int) -> dict[str, Any]:
    """The case ``random_case`` draws from ``seed``, with ``plant_fault`` applied when seed % plant_every == 0
    (from the same generator, so a seed always names the same case)."""
    rng = random.Random(seed)
    case = random_case(rng)
    if seed % plant_every == 0:
        plant_fault(rng, case)
    return case


def parse_fault(message: str, places: str = "brt", operation: str = "") -> tuple[Any, ...]:
    """(class, then the index named by each letter of ``places``, None where absent) of a DataFaultError's
    message ("data fault F5 at b = 1, r = 3, t = 4: ..."); ``operation`` ("advance_drafts") must then precede it."""
    prefix = re.escape(operation + ": ") if operation else ""
    match = re.search(prefix + r"data fault (F\d)(?: at ([^:]*))?:", message)
    assert match, message
    place = dict(re.findall(r"([brt]) = (-?\d+)", match.group(2) or ""))
    return (match.group(1),) + tuple(int(place[k]) if k in place else None for k in places)
