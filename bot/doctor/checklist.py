"""The doctor's answer: a checklist of lines, each passed (✓) or failed (✗) with the exact fix. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    """One line: ``what`` was checked; when it failed, ``fix`` says exactly what to change."""

    section: str
    what: str
    ok: bool
    fix: str = ""

    def line(self) -> str:
        return f"✓ {self.what}" if self.ok else f"✗ {self.what} — {self.fix}"


@dataclass
class Checklist:
    checks: list[Check] = field(default_factory=list)

    def passed(self, section: str, what: str) -> None:
        self.checks.append(Check(section, what, True))

    def failed(self, section: str, what: str, fix: str) -> None:
        self.checks.append(Check(section, what, False, fix))

    def check(self, section: str, ok: bool, what: str, fix: str) -> bool:
        self.checks.append(Check(section, what, ok, "" if ok else fix))
        return ok

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def sections(self) -> dict[str, list[Check]]:
        out: dict[str, list[Check]] = {}
        for c in self.checks:
            out.setdefault(c.section, []).append(c)
        return out

    def text(self) -> str:
        """The whole checklist as plain text, one section heading and its lines at a time."""
        parts = []
        for section, checks in self.sections().items():
            parts.append(section)
            parts.extend(f"  {c.line()}" for c in checks)
        failures = len(self.failures)
        parts.append("All checks passed." if not failures else f"{failures} problem(s) to fix.")
        return "\n".join(parts)
