"""Every function of template.yaml logs to a log group of its own kept LogRetentionDays, and has
an errors and a throttles alarm; every alarm notifies AlarmTopicArn when it is set; every log
group (functions, state machines, API access logs) keeps LogRetentionDays (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sam_template import functions, resources

ALARM_ACTIONS = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


def alarms_on(metric_name: str) -> set[str]:
    """Functions (logical ids) an alarm watches `metric_name` of."""
    found = set()
    for alarm in resources("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if properties.get("MetricName") == metric_name:
            for dimension in properties.get("Dimensions", []):
                if dimension["Name"] == "FunctionName":
                    found.add(dimension["Value"]["Ref"])
    return found


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_function_logs_to_its_own_group_with_the_retention_parameter(name: str) -> None:
    config = functions()[name]["Properties"]["LoggingConfig"]
    group_name = config["LogGroup"]["Ref"]
    group: dict[str, Any] = resources("AWS::Logs::LogGroup")[group_name]
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    users = [f for f, fn in functions().items() if fn["Properties"]["LoggingConfig"] == config]
    assert users == [name], f"{group_name} is shared by {users}"


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_function_has_an_errors_and_a_throttles_alarm(name: str) -> None:
    assert name in alarms_on("Errors")
    assert name in alarms_on("Throttles")


def test_every_log_group_keeps_the_retention_parameter() -> None:
    for name, group in resources("AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_alarm_notifies_the_topic_when_there_is_one() -> None:
    for name, alarm in resources("AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmActions"] == ALARM_ACTIONS, name
        assert alarm["Properties"]["OKActions"] == ALARM_ACTIONS, name


def test_both_apis_write_json_access_logs_naming_the_caller() -> None:
    import json

    for name, api in resources("AWS::Serverless::Api").items():
        setting = api["Properties"]["AccessLogSetting"]
        fields = json.loads(setting["Format"])
        assert {"requestId", "caller", "userArn", "apiKeyId", "clientId", "status"} <= set(fields)
        group = setting["DestinationArn"]["Fn::GetAtt"][0]
        assert group in resources("AWS::Logs::LogGroup"), name


def test_the_dashboard_shows_every_alarm() -> None:
    (dashboard,) = resources("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    for name in resources("AWS::CloudWatch::Alarm"):
        assert f"${{{name}.Arn}}" in body, name
