import datetime

from hypothesis import given
from hypothesis import strategies as st

from pacte.assembly import rules

D = datetime.date


def test_council_quorum_counts_only_members_present():
    # The seed: 78 members, 63 present, 15 excused with proxies.
    q = rules.quorum(body=rules.COUNCIL, day=D(2022, 9, 26), members=78, present=63, represented=15)
    assert (q.required, q.counted, q.reached) == (40, 63, True)
    short = rules.quorum(
        body=rules.COUNCIL, day=D(2022, 9, 26), members=78, present=39, represented=30
    )
    assert not short.reached and "39 membres présents sur 78" in short.explanation


def test_reconvened_sitting_needs_no_quorum():
    q = rules.quorum(
        body=rules.COUNCIL,
        day=D(2022, 9, 29),
        members=78,
        present=10,
        represented=0,
        reconvened=True,
    )
    assert q.reached and "aucun quorum" in q.explanation


def test_standing_committee_counts_proxies():
    q = rules.quorum(
        body=rules.STANDING_COMMITTEE, day=D(2023, 3, 27), members=34, present=10, represented=8
    )
    assert (q.required, q.counted, q.reached) == (18, 18, True)


def test_temporary_rules_until_31_july_2022():
    during = rules.quorum(
        body=rules.COUNCIL, day=D(2021, 4, 12), members=78, present=20, represented=6
    )
    assert (during.required, during.counted, during.reached) == (26, 26, True)
    after = rules.quorum(
        body=rules.COUNCIL, day=D(2022, 8, 1), members=78, present=20, represented=6
    )
    assert not after.reached
    assert rules.max_proxies_held(D(2022, 7, 31)) == 2
    assert rules.max_proxies_held(D(2022, 8, 1)) == 1


def test_majority_of_votes_cast_and_casting_vote():
    assert rules.result(for_votes=78, against=0, abstention=0).adopted
    assert not rules.result(for_votes=30, against=31, abstention=17).adopted
    assert rules.result(for_votes=30, against=30, abstention=18, president_votes_for=True).adopted
    assert not rules.result(
        for_votes=30, against=30, abstention=18, president_votes_for=False
    ).adopted
    # Abstentions are not votes cast.
    assert rules.result(for_votes=2, against=1, abstention=75).adopted


def test_votes_never_exceed_present_plus_proxies():
    assert (
        rules.check_vote_counts(
            for_votes=78, against=0, abstention=0, not_voting=0, present=63, proxies=15
        )
        == []
    )
    assert rules.check_vote_counts(
        for_votes=79, against=0, abstention=0, not_voting=0, present=63, proxies=15
    )


@given(st.integers(1, 200), st.integers(0, 200), st.integers(0, 200))
def test_quorum_is_the_absolute_majority(members, present, represented):
    present = min(present, members)
    represented = min(represented, members - present)
    q = rules.quorum(
        body=rules.STANDING_COMMITTEE,
        day=D(2024, 1, 1),
        members=members,
        present=present,
        represented=represented,
    )
    assert q.reached == (2 * (present + represented) > members)


def test_the_seeds_attendance_is_kept_as_written():
    from pacte.demo import seed_2022_317 as seed

    assert len(seed.PRESENT) == 63 and len(seed.EXCUSED) == 15
    assert len(seed.PRESENT) + len(seed.EXCUSED) == seed.MEMBERS_IN_OFFICE
    assert seed.PRESENT[0] == ("M.", "Jean-Claude LEROY")
    assert seed.PRESENT[-1] == ("Mme", "Zohra OUAGUEF")
    assert ("M.", "Jean-Pascal SCALONE") in seed.PRESENT
    assert ("Mme", "Marine LE PEN") in seed.EXCUSED
    assert seed.SECRETARY in seed.PRESENT
    from pathlib import Path

    import pacte.demo

    # The published text of the deliberation and its report, kept with the application.
    seed_file = Path(pacte.demo.__file__).parent / "data/deliberation-2022-317.txt"
    text = seed_file.read_text(encoding="utf-8")
    flat = " ".join(text.split()).replace("Jean- Pascal", "Jean-Pascal")  # a line break
    for civility, name in seed.PRESENT + seed.EXCUSED:
        assert f"{civility} {name}" in flat
