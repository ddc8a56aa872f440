"""The 轮训抽选 itself, pure and reproducible: same candidates + seed + count → same cadres.

Fairness: only eligible cadres; those never drawn before come first, then the least recently drawn;
ties are broken by a PRNG seeded from `secrets`, and the seed is recorded with the frozen candidate
list, so anyone can re-run the draw and check the result (`rerun`, `digest`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HALF = re.compile(r"^(\d{4})H([12])$")
MAX_PER_HALF = 2  # 每半年在人员信息库抽选1-2名督查干部


@dataclass(frozen=True)
class Candidate:
    cadre_id: int
    eligible: bool
    last_drawn: str | None = None  # the latest half year this cadre was drawn in (voided draws excluded)
    name: str = ""
    unit: str = ""
    failed: tuple[Mapping[str, str], ...] = field(default=())  # {rule, message} when not eligible

    def as_dict(self) -> dict[str, Any]:
        return {
            "cadre_id": self.cadre_id,
            "name": self.name,
            "unit": self.unit,
            "eligible": self.eligible,
            "failed": [dict(f) for f in self.failed],
            "last_drawn": self.last_drawn,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Candidate:
        return cls(
            cadre_id=int(d["cadre_id"]),
            eligible=bool(d["eligible"]),
            last_drawn=d.get("last_drawn"),
            name=str(d.get("name", "")),
            unit=str(d.get("unit", "")),
            failed=tuple(d.get("failed", ())),
        )


def valid_half(text: str) -> bool:
    return bool(HALF.match(text))


def new_seed() -> str:
    return secrets.token_hex(16)  # 128 bits: nobody can steer or guess the tie-breaks


def draw(candidates: Sequence[Candidate], count: int, seed: str) -> list[int]:
    """At most `count` eligible cadre ids: never drawn first, then least recently drawn, ties by the seed."""
    rng = random.Random(int(seed, 16))
    pool = sorted((c for c in candidates if c.eligible), key=lambda c: c.cadre_id)  # input order must not matter
    rng.shuffle(pool)
    pool.sort(key=lambda c: (c.last_drawn is not None, c.last_drawn or ""))  # stable: the shuffle breaks ties
    return [c.cadre_id for c in pool[: max(count, 0)]]


def rerun(candidates: Sequence[Mapping[str, Any]], count: int, seed: str) -> list[int]:
    """The draw again, from a recorded candidate snapshot."""
    return draw([Candidate.from_dict(c) for c in candidates], count, seed)


def digest(half: str, count: int, seed: str, candidates: Sequence[Mapping[str, Any]], result: Sequence[int]) -> str:
    """sha256 of the draw's canonical JSON: a changed seed, candidate or result no longer matches."""
    body = {"half": half, "count": count, "seed": seed, "candidates": list(candidates), "result": list(result)}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
