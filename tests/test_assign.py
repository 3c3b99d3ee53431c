"""Bags over tracks and the persons-then-actions solve on small hand-made problems (no video)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scriptalign.assign import (NAME_SCORES, TrackSpan, assign, label_margin, name_score, only_track_baseline,
                                overlapping_tracks, standardize)


def bag(start, end, names=(), actions=(), pairs=()):
    return SimpleNamespace(start=start, end=end, names=tuple(names), actions=tuple(actions), pairs=tuple(pairs))


def test_overlapping_tracks_uses_closed_intervals():
    spans = [TrackSpan(0, 0, 5), TrackSpan(1, 5, 9), TrackSpan(2, 10, 12)]
    assert overlapping_tracks(spans, 5, 5) == (0, 1)
    assert overlapping_tracks(spans, 9.5, 9.9) == ()
    assert overlapping_tracks(spans, 0, 100) == (0, 1, 2)


def test_standardize_rejects_nan_and_keeps_constant_columns_at_zero():
    X = standardize(np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]]))
    assert np.allclose(X[:, 1], 0)
    assert np.allclose(np.linalg.norm(X, axis=1), [1, 0, 1])  # the mean row stays at zero
    with pytest.raises(ValueError, match="NaN"):
        standardize(np.array([[np.nan, 1.0]]))


@pytest.fixture
def two_people():
    """Six clips of two tracks each: ANN and BOB side by side; ANN waves in clips 0-2, BOB in 3-5."""
    rng = np.random.default_rng(0)
    face_centres = {"ANN": rng.normal(size=16), "BOB": rng.normal(size=16)}
    motion_centres = {"wave": rng.normal(size=8), "none": rng.normal(size=8)}
    spans, face, motion, bags, who, doing = [], [], [], [], [], []
    for clip in range(6):
        waver = "ANN" if clip < 3 else "BOB"
        for person in ("ANN", "BOB"):
            spans.append(TrackSpan(len(spans), 10 * clip, 10 * clip + 8))
            face.append(face_centres[person] + 0.2 * rng.normal(size=16))
            act = "wave" if person == waver else "none"
            motion.append(motion_centres[act] + 0.2 * rng.normal(size=8))
            who.append(person)
            doing.append("wave" if act == "wave" else None)
        # clip 0 and 3 name one person only: the other must come from the face classifier
        names = [waver] if clip in (0, 3) else ["ANN", "BOB"]
        bags.append(bag(10 * clip, 10 * clip + 8, names, ["wave"], [(waver, "wave")]))
    # two shots of one person alone: without them "every track half ANN, half BOB" meets every bag
    # and has objective 0, so the relaxation's optimum would say nothing about who is who
    for clip, person in ((6, "ANN"), (7, "BOB")):
        spans.append(TrackSpan(len(spans), 10 * clip, 10 * clip + 8))
        face.append(face_centres[person] + 0.2 * rng.normal(size=16))
        motion.append(motion_centres["none"] + 0.2 * rng.normal(size=8))
        who.append(person)
        doing.append(None)
        bags.append(bag(10 * clip, 10 * clip + 8, [person]))
    return spans, np.array(face), np.array(motion), bags, who, doing


def test_assign_recovers_names_and_paired_actions(two_people):
    spans, face, motion, bags, who, doing = two_people
    result = assign(spans, face, motion, bags, person_rho=0.0)  # everyone here is named
    assert result.names == ("ANN", "BOB") and result.actions == ("wave",)
    assert list(result.track_names) == who
    assert list(result.track_actions) == doing
    rows = result.rows()
    assert [r["track"] for r in rows] == list(range(14))
    assert result.converged and [f["fit"] for f in result.fits] == ["persons", "actions"]
    assert all(f["solver"] == "exact" and f["rel_gap"] <= 1e-4 for f in result.fits)
    assert set(rows[0]["name_scores"]) == {"ANN", "BOB"}


def test_select_keeps_rows_and_remaps_bags(two_people):
    spans, face, motion, bags, who, _ = two_people
    result = assign(spans, face, motion, bags, person_rho=0.0)  # everyone here is named
    part = result.select(range(6, 12))
    assert part.track_ids == tuple(range(6, 12))
    assert list(part.track_names) == who[6:12]
    assert all(all(0 <= i < 6 for i in idx) for idx, _ in part.person_bags)
    assert len(part.person_bags) == 3


def test_blocks_need_bag_blocks(two_people):
    spans, face, motion, bags, _, _ = two_people
    with pytest.raises(ValueError, match="bag_blocks"):
        assign(spans, face, motion, bags, blocks=[0] * len(spans))


def test_no_tracks_is_an_error():
    with pytest.raises(ValueError, match="no face tracks"):
        assign([], np.zeros((0, 4)), np.zeros((0, 4)), [])


def test_only_track_baseline_names_lone_tracks():
    spans = [TrackSpan(0, 0, 5), TrackSpan(1, 0, 5), TrackSpan(2, 10, 15)]
    bags = [bag(0, 5, ["ANN"]), bag(10, 15, ["BOB"]), bag(11, 12, ["BOB"]), bag(10, 15, ["ANN", "BOB"])]
    assert only_track_baseline(spans, bags) == [None, None, "BOB"]


def test_alternating_refinement_refits_persons_then_actions(two_people):
    spans, face, motion, bags, who, doing = two_people
    result = assign(spans, face, motion, bags, n_alternations=1, person_rho=0.0)
    assert [f["fit"] for f in result.fits] == ["persons", "actions", "persons", "actions"]
    assert list(result.track_names) == who and list(result.track_actions) == doing


def test_bag_covers_per_block_on_sorted_intervals():
    from scriptalign.assign import bag_covers

    spans = [TrackSpan(0, 10, 12), TrackSpan(1, 0, 30), TrackSpan(2, 5, 6), TrackSpan(3, 11, 11.5)]
    blocks = [0, 0, 1, 0]
    # the long track 1 starts long before the interval: still found
    assert bag_covers(spans, [(11, 11.2), (5.5, 5.6), (40, 50)], blocks, [0, 1, 0]) == [(0, 1, 3), (2,), ()]
    assert bag_covers(spans, [(5.5, 5.6)]) == [(1, 2)]


def test_nan_descriptors_are_refused_before_any_solve(two_people):
    spans, face, motion, bags, _, _ = two_people
    face = face.copy()
    face[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf \(track row 3, column 1\)"):
        assign(spans, face, motion, bags)


def test_device_reaches_the_solver(two_people):
    spans, face, motion, bags, _, _ = two_people
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        assign(spans, face, motion, bags, device="tpu")


def test_an_unnamed_person_inside_bags_comes_out_nobody(two_people):
    """A third person (an extra) shares three clips with ANN and BOB; no bag names them. With the
    background share over all tracks they are nobody and the others keep their names."""
    spans, face, motion, bags, who, _ = two_people
    rng = np.random.default_rng(1)
    extra = rng.normal(size=16)
    spans, face, motion, who = list(spans), list(face), list(motion), list(who)
    for clip in (1, 2, 4):
        spans.append(TrackSpan(len(spans), 10 * clip, 10 * clip + 8))
        face.append(extra + 0.2 * rng.normal(size=16))
        motion.append(motion[0])
        who.append(None)
    face, motion = np.array(face), np.array(motion)
    named = assign(spans, face, motion, bags, person_rho=0.0, distinct_on_screen=False)
    assert any(named.track_names[i] is not None for i in (14, 15, 16))  # without it the extra gets a name
    result = assign(spans, face, motion, bags, person_rho=3 / 17, distinct_on_screen=False)
    assert list(result.track_names) == who
    # on screen with both ANN and BOB, the extra can be neither of them: nobody, even without rho
    assert list(assign(spans, face, motion, bags, person_rho=0.0).track_names) == who


def test_a_joint_solve_keeps_each_block_to_its_own_names():
    """Two episodes of one cast: ANN only in episode 0. A track of episode 1 that looks like ANN
    takes ANN when every name is allowed everywhere, and never with the names of its own bags."""
    rng = np.random.default_rng(3)
    centre = {p: 3 * rng.normal(size=8) for p in ("ANN", "BOB", "CAT")}
    who = ["ANN", "BOB", "ANN", "BOB", "BOB", "ANN", "BOB", "CAT", "BOB", "CAT"]
    spans = [TrackSpan(i, 10 * (i // 2) + (i % 2), 10 * (i // 2) + 8) for i in range(10)]
    face = np.array([centre[p] + 0.05 * rng.normal(size=8) for p in who])
    bags = [bag(0, 8, ["ANN", "BOB"]), bag(10, 18, ["ANN", "BOB"]), bag(20, 21, ["BOB"]),
            bag(30, 38, ["BOB", "CAT"]), bag(40, 48, ["BOB", "CAT"])]
    blocks, bag_blocks = [0] * 4 + [1] * 6, [0, 0, 1, 1, 1]
    kw = dict(blocks=blocks, bag_blocks=bag_blocks, person_rho=0.0, solver="exact")
    free = assign(spans, face, np.zeros((10, 0)), bags, block_names="all", **kw)
    assert free.track_names[5] == "ANN"  # track 5 (episode 1) looks like ANN, who is not in episode 1
    held = assign(spans, face, np.zeros((10, 0)), bags, **kw)
    assert held.track_names[5] != "ANN" and held.names == ("ANN", "BOB", "CAT")
    assert np.all(held.name_scores[4:, 1] == 0.0) and np.all(held.name_scores[:4, 3] == 0.0)
    # nor is a barred name a rival in the held-out margin of the name score
    assert np.all(held.name_held_out_scores[4:, 1] == -np.inf) and np.all(held.name_held_out_scores[:4, 3] == -np.inf)
    assert np.isfinite(held.name_held_out_scores[:4, :3]).all() and np.isfinite(held.name_confidence).all()
    listed = assign(spans, face, np.zeros((10, 0)), bags, block_names={0: ["ANN", "BOB"], 1: ["BOB", "CAT"]}, **kw)
    assert listed.track_names == held.track_names
    with pytest.raises(ValueError, match="DAN"):
        assign(spans, face, np.zeros((10, 0)), bags, block_names={1: ["DAN"]}, **kw)


def test_co_occurring_pairs_per_block_by_positive_overlap():
    from scriptalign.assign import co_occurring_pairs

    spans = [TrackSpan(0, 0, 2), TrackSpan(1, 1, 3), TrackSpan(2, 3, 4), TrackSpan(3, 0.5, 0.5), TrackSpan(4, 0, 10)]
    # 1 and 2 only touch, 3 lasts an instant: neither is on screen with the other
    assert co_occurring_pairs(spans).tolist() == [[0, 1], [0, 4], [1, 4], [2, 4]]
    assert co_occurring_pairs(spans, [0, 1, 0, 0, 1]).tolist() == [[1, 4]]
    assert co_occurring_pairs(spans[:1]).shape == (0, 2)


def test_two_faces_on_screen_together_never_take_one_name(two_people):
    spans, face, motion, bags, who, _ = two_people
    face = face.copy()
    face[3] = face[2] + 0.05 * np.random.default_rng(1).normal(size=face.shape[1])  # clip 1's BOB looks like ANN
    bags = list(bags)
    bags[1] = bag(10, 18, ["ANN"])  # and its line names ANN only
    alike = assign(spans, face, motion, bags, person_rho=0.0, distinct_on_screen=False)
    assert alike.track_names[2:4] == ("ANN", "ANN")
    apart = assign(spans, face, motion, bags, person_rho=0.0)
    assert list(apart.track_names) == who
    ann = 1 + apart.names.index("ANN")  # the relaxation itself shares ANN between the two only with the pair
    assert alike.name_scores[2, ann] + alike.name_scores[3, ann] > 1.5
    assert apart.name_scores[2, ann] + apart.name_scores[3, ann] <= 1.0 + 1e-6


def test_name_score_kinds():
    Z = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.3, 0.1]])
    held = np.array([[0.1, 0.9, 0.2], [0.3, 0.4, 0.5], [np.nan, 0.2, 0.1]])
    labels = np.array([1, 1, 0])
    np.testing.assert_allclose(label_margin(Z, labels), [1.0, 1.0, 0.3])
    np.testing.assert_allclose(name_score(Z, held, labels, "relaxed"), [1.0, 1.0, 0.3])
    # the held-out margin orders the two tracks the saturated relaxation ties; NaN counts 0
    np.testing.assert_allclose(name_score(Z, held, labels, "held_out"), [0.7, -0.1, 0.0])
    np.testing.assert_allclose(name_score(Z, held, labels, "relaxed+held_out"), [1.7, 0.9, 0.3])
    assert set(NAME_SCORES) == {"relaxed", "held_out", "relaxed+held_out"}
    with pytest.raises(ValueError, match="name score kind"):
        name_score(Z, held, labels, "probability")


def test_assignment_confidence_is_the_default_name_score(two_people):
    spans, face, motion, bags, who, doing = two_people
    result = assign(spans, face, motion, bags, person_rho=0.0)
    assert list(result.name_labels) == [1 if w == "ANN" else 2 for w in who]
    np.testing.assert_allclose(result.name_confidence,
                               name_score(result.name_scores, result.name_held_out_scores, result.name_labels))
    part = result.select([3, 0])
    np.testing.assert_array_equal(part.name_held_out_scores, result.name_held_out_scores[[3, 0]])
