"""Dense + BM25 fusion keeps each leg's margins."""

from __future__ import annotations

from mcp_service.domain.fusion import fuse


def test_an_exact_term_hit_with_a_weak_dense_score_outranks_dense_look_alikes() -> None:
    # 60 runbooks that differ only by an error code: dense scores are a near tie (the
    # right one is not even the dense leg's best); BM25 is decisive.
    dense = [(f"book-{i}", 0.62 - i * 0.001) for i in range(60)]
    dense.insert(30, ("book-right", 0.585))
    lexical = [("book-right", 14.2)] + [(f"book-{i}", 3.1) for i in range(10)]
    fused = fuse(dense, lexical)
    assert fused[0].key == "book-right"
    assert fused[0].legs == ("dense", "lexical")
    margin = fused[0].score - fused[1].score
    assert margin > 0.1  # a decisive lexical lead stays decisive


def test_rank_fusion_would_have_lost_the_margin() -> None:
    # The same legs under reciprocal-rank fusion: the exact hit ranks 31st in dense, 1st
    # in BM25, and a look-alike ranking 1st and 2nd wins. Fusion by score does not.
    dense = [(f"d{i}", 0.7 - i * 0.001) for i in range(40)]
    dense.insert(30, ("exact", 0.67))
    lexical = [("exact", 12.0), ("d0", 2.0), ("d1", 1.9)]
    rrf = {k: 0.0 for k, _ in dense}
    for leg in (dense, lexical):
        for rank, (k, _) in enumerate(leg):
            rrf[k] += 1 / (60 + rank)
    assert max(rrf, key=lambda k: rrf[k]) != "exact"
    assert fuse(dense, lexical)[0].key == "exact"


def test_a_weak_best_lexical_match_is_not_inflated_to_an_exact_hit() -> None:
    # The best BM25 score is a common word (1.2): normalising by it would give 1.0.
    fused = fuse([("a", 0.50), ("b", 0.42)], [("b", 1.2)])
    assert fused[0].key == "a"


def test_a_point_only_one_leg_found_gets_the_other_legs_lowest_seen_score() -> None:
    fused = fuse([("a", 0.5), ("b", 0.3)], [("c", 10.0)], lexical_weight=0.3)
    c = next(f for f in fused if f.key == "c")
    assert c.dense is None and c.legs == ("lexical",)
    assert abs(c.score - (0.3 + 0.3 * 10.0 / 10.0)) < 1e-9
