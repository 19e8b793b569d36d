"""The msrest speed fix changes nothing but speed."""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy

from bot.adapter.tuning import speed_up_client_creation

AS_MSREST_DEFINES_IT = [i for i in range(500) if i != 408] + [501, 505]


def test_the_retry_policy_retries_exactly_the_same_status_codes_after_the_fix() -> None:
    speed_up_client_creation()
    speed_up_client_creation()  # idempotent

    retried = ClientRetryPolicy().policy.status_forcelist  # type: ignore[no-untyped-call]

    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert retried == [i for i in range(999) if i not in AS_MSREST_DEFINES_IT]
    assert {408, 500, 502, 503, 504} <= set(retried)
    assert (
        429 not in retried
    )  # msrest never retries throttling; the outbox does (bot/outbox/policy.py)
