"""The sparse peer scores equal a plain loop's on random instances, and the ranking honours who may be shown."""

from __future__ import annotations

import random

import numpy as np
import pytest

from community import similarity
from community.services import Interests, matrices, rank


def random_interests(rng: random.Random, people: int, proposals: int) -> Interests:
    tags = [f"t{i}" for i in range(8)]
    return Interests(
        people=[100 + i for i in range(people)],
        names={},
        proposals=[sorted(set(rng.choices(range(proposals), k=rng.randint(0, 6)))) for _ in range(people)],
        topics=[rng.sample(["maths", "k-2", "art", "science"], rng.randint(0, 2)) for _ in range(people)],
        looking_for=[rng.sample(tags, rng.randint(0, 3)) for _ in range(people)],
        can_help=[rng.sample(tags, rng.randint(0, 3)) for _ in range(people)],
        allowed=[rng.random() < 0.7 for _ in range(people)],
    )


@pytest.mark.parametrize("seed", range(20))
def test_sparse_scores_equal_the_loop(seed: int) -> None:
    rng = random.Random(seed)
    interests = random_interests(rng, rng.randint(1, 60), rng.randint(1, 30))
    built = matrices(interests)
    rows = [p + [f"topic:{t}" for t in topics] for p, topics in zip(interests.proposals, interests.topics, strict=True)]
    for me in range(len(interests.people)):
        expected = similarity.naive_scores(rows, interests.looking_for, interests.can_help, me)  # type: ignore[arg-type]
        assert np.allclose(similarity.scores(built, me), expected), (seed, me)
        excluded = {interests.people[r] for r in range(0, len(interests.people), 5)}
        ranked = rank(interests, me, excluded, built=built)
        assert len(ranked) <= 10
        for r, score in ranked:
            assert r != me and interests.allowed[r] and interests.people[r] not in excluded and score > 0
        scores = [round(s, 9) for _, s in ranked]
        assert scores == sorted(scores, reverse=True)
        others = [
            round(expected[r], 9)
            for r in range(len(interests.people))
            if r != me and interests.allowed[r] and interests.people[r] not in excluded and expected[r] > 1e-12
        ]
        assert len(ranked) == min(10, len(others))
        if ranked and len(others) > 10:
            assert round(ranked[-1][1], 9) >= sorted(others, reverse=True)[9]


def test_nobody_shares_anything_means_no_peers() -> None:
    interests = Interests(
        people=[1, 2],
        names={},
        proposals=[[], []],
        topics=[[], []],
        looking_for=[[], []],
        can_help=[[], []],
        allowed=[True, True],
    )
    assert rank(interests, 0, set()) == []
