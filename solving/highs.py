"""The figures' integer programmes, solved by HiGHS through `scipy.optimize.milp`.

The domain (`referrals.linked_suppression`) asks whether whole numbers exist that fit a
reader's facts; this answers with one such solution, or None when there is none (or the
solver could not prove one within its limit, which the domain treats as none: safe).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from referrals.linked_suppression import CAP

TIME_LIMIT_S = 10.0  # a programme of a year's figures takes milliseconds


class HighsSolver:
    def solve(
        self, rows: Sequence[Sequence[int]], lows: Sequence[int], highs: Sequence[int], size: int
    ) -> list[int] | None:
        constraints = LinearConstraint(np.array(rows, dtype=float), lows, highs)
        found = milp(
            np.zeros(size),
            constraints=constraints,
            integrality=np.ones(size, dtype=np.int8),
            bounds=Bounds(0, CAP),
            options={"time_limit": TIME_LIMIT_S},
        )
        if found.status != 0 or found.x is None:
            return None
        return [round(float(v)) for v in found.x]
