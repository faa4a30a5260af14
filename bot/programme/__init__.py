"""A programme as data: its questions, eligibility and matching criteria (no discord import).

:mod:`bot.programme.criteria` declares hard rules and scored terms over a programme's own questions and
compiles them for the engine; :mod:`bot.programme.profile` is the one typed profile built from answers
(matcher, explanations, export, import and the offline CLI all use it).
"""

from bot.programme.criteria import Compiled, MatchingDeclaration, Rule, Term, compile_matching
from bot.programme.profile import ProgrammeSpec, build_spec, preset_declaration, preset_spec

__all__ = [
    "Compiled", "MatchingDeclaration", "ProgrammeSpec", "Rule", "Term", "build_spec", "compile_matching",
    "preset_declaration", "preset_spec",
]
