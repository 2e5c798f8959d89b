"""The policy file documented in the README loads, and bad values are refused."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.policy import Policy, load_policy

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_policy_loads(tmp_path):
    example = README.read_text(encoding="utf-8").split("```yaml")[1].split("```")[0]
    path = tmp_path / "policy.yaml"
    path.write_text(example, encoding="utf-8")
    policy = load_policy(path)
    assert policy.scoring.bands.good == 80
    assert [t.metric for t in policy.targets] == ["young_leaders_share", "trained_share"]
    assert load_policy(None) == Policy()


def test_bad_policies_are_refused():
    with pytest.raises(ValidationError):
        Policy.model_validate({"scoring": {"bands": {"excellent": 50, "good": 70, "done": 90}}})
    with pytest.raises(ValidationError):
        Policy.model_validate({"targets": [{"metric": "nope", "name": "x", "target": 1,
                                            "deadline": "2030"}]})


def test_misspelt_keys_are_refused_not_ignored():
    with pytest.raises(ValidationError):
        Policy.model_validate({"scoring": {"excelent_cap_ratio": 0.3}})
    with pytest.raises(ValidationError):
        Policy.model_validate({"scorings": {}})


def test_every_scoring_rule_of_the_readme_example_is_read(tmp_path):
    example = README.read_text(encoding="utf-8").split("```yaml")[1].split("```")[0]
    path = tmp_path / "policy.yaml"
    path.write_text(example, encoding="utf-8")
    scoring = load_policy(path).scoring
    assert scoring.deduction_reading == "per_item"
    assert [c.key for c in scoring.general_criteria] == ["politics_ethics", "responsibility",
                                                         "innovation"]
    assert scoring.cap_ratio(outstanding=True) == 0.25
    assert load_policy(path).targets[0].horizon == 2030
