"""Whether the LLM backs the answer the scorer chose: a second opinion on an extracted factoid answer, after the
scorer's threshold. The answer scorer's probability falls when the 270M model's draft names nothing in the articles
(agreement with the draft is its strongest input), for a right answer as for a wrong one; how likely the LLM finds
the chosen span itself, read where the articles give it, tells them apart better than either alone. A logistic
regression of the two, fitted on questions the trees never learned from (bench/calibrate.py --support), and the
bar its probability must clear: below it an answer is marked doubtful, and declined when the LLM's draft does not give
it either and it is not a count asked for (rag.answer.factoid.unbacked), or when newsqa is strict."""

import json
from dataclasses import dataclass
from pathlib import Path

from rag.learned.judge import log_odds
from rag.learned.linear import Linear

__all__ = ["SUPPORT_FEATURES", "Support"]

SUPPORT_FEATURES = ("log_odds", "likelihood")


@dataclass(frozen=True)
class Support:
    """P(the answer is right) from the scorer's confidence and the LLM's likelihood of the span, the bar, and where
    it was fitted (`info`; its "scorer" names the answer scorer whose confidences it read)."""

    model: Linear
    bar: float
    info: dict

    @staticmethod
    def row(confidence: float, likelihood: float) -> list[float]:
        """The model's input: SUPPORT_FEATURES of one answer."""
        return [log_odds(confidence), likelihood]

    def probability(self, confidence: float, likelihood: float) -> float:
        """The model's chance that an answer with this confidence and likelihood is right.

        >>> support = Support(Linear(SUPPORT_FEATURES, (0.0, 0.0), (1.0, 1.0), (1.0, 1.0), 0.0), 0.5, {})
        >>> round(support.probability(0.5, 0.0), 3), support.backs(0.5, -1.0), support.backs(0.9, -1.0)
        (0.5, False, True)
        """
        return float(self.model.probability([self.row(confidence, likelihood)])[0])
    def backs(self, confidence: float, likelihood: float) -> bool:
        """Whether an answer clears the bar."""
        return self.probability(confidence, likelihood) >= self.bar

    def to_dict(self) -> dict:
        return {"model": self.model.to_dict(), "bar": self.bar, **self.info}

    @classmethod
    def from_dict(cls, data: dict) -> "Support":
        model = Linear.from_dict(data["model"])
        if model.features != SUPPORT_FEATURES:
            raise ValueError(f"a support model of {list(model.features)}; this newsqa reads {list(SUPPORT_FEATURES)}")
        return cls(model, float(data["bar"]), {k: v for k, v in data.items() if k not in ("model", "bar")})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "Support":
        return cls.from_dict(json.loads(Path(path).read_text()))

