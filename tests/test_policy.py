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


@pytest.mark.parametrize("content, line", [
    ("scoring:\n  excelent_cap_ratio: 0.3\n",
     "tệp chính sách {path}, khóa scoring.excelent_cap_ratio: không có khóa này (viết sai?)"),
    ("scoring:\n  excellent_cap_ratio: nhiều\n",
     "tệp chính sách {path}, khóa scoring.excellent_cap_ratio: cần một số"),
    ("scoring:\n  bands:\n    excellent: 150\n",
     "tệp chính sách {path}, khóa scoring.bands: các ngưỡng xếp loại phải thỏa "
     "0 ≤ done ≤ good ≤ excellent ≤ 100"),
    ("scoring:\n  quality_deduction_per_failure: 2\n",
     "tệp chính sách {path}, khóa scoring.quality_deduction_per_failure: không được quá 1"),
    ("scoring: [\n", "tệp chính sách {path} không đúng định dạng YAML (dòng 2)"),
    ("- 1\n- 2\n", "tệp chính sách {path} phải là một nhóm khóa (scoring:, reminders:, …)"),
])
def test_a_bad_policy_file_is_one_vietnamese_line_naming_the_key(tmp_path, content, line):
    from bot.config import ConfigError

    path = tmp_path / "chinh_sach.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert str(refused.value) == line.format(path=path)


def test_the_cli_refuses_a_misspelt_policy_key_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "chinh_sach.yaml"
    path.write_text("reminders:\n  snoze: 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CADREBOT_", "TELEGRAM_"))}
    env.update(CADREBOT_POLICY_FILE=str(path),
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "digest", "--board"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Lỗi: tệp chính sách {path}, khóa reminders.snoze: không có khóa này (viết sai?)"]
