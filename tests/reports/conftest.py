"""Reports are made from a scored evaluation: reuse the scoring fixtures."""

from tests.scoring.conftest import (  # noqa: F401
    before_publication,
    evaluation,
    evaluator2,
    opened,
    published_rfp,
    scored,
    started,
)
