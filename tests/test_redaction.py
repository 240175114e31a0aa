"""Redaction (chatbot/store/redaction.py), measured on the labelled strings in tests/data/redaction_labelled.yaml."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from chatbot.store.redaction import luhn_valid, redact

LABELLED = yaml.safe_load((Path(__file__).parent / "data" / "redaction_labelled.yaml").read_text(encoding="utf-8"))
MIN_RECALL = {"email": 0.95, "phone": 0.95, "card": 0.95, "birth": 0.9, "id": 0.9, "name": 0.9}


def recall_per_kind() -> dict[str, tuple[int, int]]:
    """(strings whose every secret is gone, strings) per kind."""
    found, total = Counter(), Counter()
    for item in LABELLED:
        if item["kind"] == "none":
            continue
        total[item["kind"]] += 1
        cleaned = redact(item["text"])
        found[item["kind"]] += all(secret not in cleaned for secret in item["secrets"])
    return {kind: (found[kind], total[kind]) for kind in total}


def test_the_labelled_set_is_big_enough_to_measure_with():
    kinds = Counter(item["kind"] for item in LABELLED)
    assert len(LABELLED) >= 60
    assert all(kinds[k] >= 8 for k in ("email", "phone", "card")), kinds
    assert kinds["none"] >= 10  # strings that must come back unchanged


def test_recall_per_kind_reaches_its_target(capsys):
    recall = recall_per_kind()
    with capsys.disabled():
        print("\nredaction recall: " + ", ".join(f"{k} {f}/{t} = {f / t:.2f}" for k, (f, t) in sorted(recall.items())))
    for kind, target in MIN_RECALL.items():
        found, total = recall[kind]
        assert found / total >= target, f"{kind}: {found} of {total}"


@pytest.mark.parametrize("item", [i for i in LABELLED if i["kind"] == "none"], ids=lambda i: i["text"][:40])
def test_doses_durations_prices_and_health_details_are_kept(item):
    assert redact(item["text"]) == item["text"]


def test_a_card_number_is_only_removed_when_the_luhn_check_passes():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert redact("card 4111 1111 1111 1111") == "card [card removed]"
    assert "4111 1111 1111 1112" in redact("order 4111 1111 1111 1112")


def test_the_question_from_the_attack_review_keeps_only_what_the_content_team_needs():
    question = ("Hi, my name is Jane Doe, born 12/03/1985. I'm HIV positive and 12 weeks pregnant: can I have microneedling? "
                "I'll pay with 4111 1111 1111 1111, call 07700 900123 or write to jane dot doe at gmail")
    cleaned = redact(question)
    for secret in ("Jane Doe", "12/03/1985", "4111", "900123", "jane dot doe", "gmail"):
        assert secret not in cleaned, secret
    assert "HIV positive and 12 weeks pregnant: can I have microneedling?" in cleaned
