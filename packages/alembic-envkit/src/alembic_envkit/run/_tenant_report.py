"""What a run over tenants did, as plain data: one result per tenant, and
the report that holds them, which turns into JSON and back (for
``--report`` and ``--resume``).
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

from .._errors import ConfigurationError

#: The outcomes of one tenant: the change ran; there was nothing to do (a
#: plain read said so, no lock taken); another runner had done it by the
#: time the lock was ours; it failed; it was not started (a canary or
#: ``stop_on_error`` stopped the run).
OUTCOMES = ("migrated", "skipped", "already at target", "failed", "not run")

#: The outcomes after which a tenant is where the run was taking it.
FINISHED = frozenset({"migrated", "skipped", "already at target"})


@dataclass
class TenantResult:
    """What happened to one tenant.

    .. versionadded:: 0.3
    """

    #: The tenant's name.
    tenant: str
    #: One of :data:`OUTCOMES`.
    outcome: str
    #: Its revisions before (``from`` in JSON), empty at base.
    before: list[str] = field(default_factory=list)
    #: Its revisions after (``to`` in JSON).
    after: list[str] = field(default_factory=list)
    #: Seconds spent on it.
    seconds: float = 0.0
    #: The error, on one line, when it failed.
    error: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the tenant is where the run was taking it."""
        return self.outcome in FINISHED

    def as_dict(self) -> dict[str, t.Any]:
        data = asdict(self)
        data["from"] = data.pop("before")
        data["to"] = data.pop("after")
        return data


@dataclass
class TenantReport:
    """What a run over tenants did: the command, its target, and one
    :class:`TenantResult` per tenant, in the order the tenants are listed.

    .. versionadded:: 0.3
    """

    #: ``"upgrade"``, ``"downgrade"``, ``"stamp"`` or ``"create"``.
    action: str
    #: The target revision, as given.
    target: str
    results: list[TenantResult] = field(default_factory=list)
    #: Seconds the whole run took.
    seconds: float = 0.0
    #: The phase of an upgrade, ``"expand"`` or ``"contract"``; ``None``
    #: for every revision.
    phase: str | None = None

    @property
    def failed(self) -> list[str]:
        """The tenants that failed."""
        return [r.tenant for r in self.results if r.outcome == "failed"]

    @property
    def unfinished(self) -> list[str]:
        """The tenants the run did not bring to its target: failed or not
        run. ``resume`` runs these again.
        """
        return [r.tenant for r in self.results if not r.finished]

    @property
    def ok(self) -> bool:
        """Whether every tenant reached the target."""
        return not self.unfinished

    def counts(self) -> dict[str, int]:
        """How many tenants had each outcome, the outcomes none had left out."""
        counts = {o: 0 for o in OUTCOMES}

        for result in self.results:
            counts[result.outcome] += 1

        return {o: n for o, n in counts.items() if n}

    def as_dict(self) -> dict[str, t.Any]:
        """The report as JSON-able data."""
        return {
            "action": self.action,
            "target": self.target,
            "phase": self.phase,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "tenants": [r.as_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str, *, where: str = "the report") -> TenantReport:
        """Read a report written by :meth:`to_json`.

        :param where: Names the report in the error.
        :raises ConfigurationError: If it is not such a report.
        """
        try:
            data = json.loads(text)
            results = [
                TenantResult(
                    tenant=str(item["tenant"]),
                    outcome=_outcome(item["outcome"]),
                    before=list(item.get("from") or []),
                    after=list(item.get("to") or []),
                    seconds=float(item.get("seconds") or 0.0),
                    error=item.get("error"),
                )
                for item in data["tenants"]
            ]
            phase = data.get("phase")
            return cls(
                str(data["action"]),
                str(data["target"]),
                results,
                phase=None if phase is None else str(phase),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigurationError(
                f"Cannot read {where} as a tenant report ({type(e).__name__}:"
                f" {e}); give a file written by '--report'."
            ) from e


@dataclass(frozen=True)
class TenantProgress:
    """Where a run over tenants stands, as each tenant finishes: passed to
    the ``progress`` callback.

    .. versionadded:: 0.3
    """

    #: The tenant that just finished.
    result: TenantResult
    #: How many tenants have finished, of ``total``.
    done: int
    total: int
    #: How many of them failed.
    failed: int
    #: An estimate of the seconds left, from the pace so far.
    seconds_left: float

    def line(self) -> str:
        """One line for a terminal."""
        r = self.result
        where = ", ".join(r.after) or "base"
        extra = f": {r.error}" if r.error else f" (at {where})"
        return (
            f"[{self.done}/{self.total}] {r.tenant} {r.outcome} in"
            f" {r.seconds:.2f}s{extra}; {self.failed} failed, about"
            f" {self.seconds_left:.0f}s left"
        )


def _outcome(value: t.Any) -> str:
    if value not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}")

    return str(value)
