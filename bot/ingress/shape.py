"""The shape of an incoming activity, checked by hand before botbuilder reads it: msrest's
deserializer accepts almost anything, and the handlers trust the types it promises."""

from __future__ import annotations

from typing import Any, NoReturn

from botbuilder.schema import Activity, ActivityTypes

from bot.activities import CARD_ACTION_INVOKE
from bot.files import FILE_CONSENT_INVOKE
from referrals.intake import mended_text

SUPPORTED_INVOKES = frozenset({CARD_ACTION_INVOKE, FILE_CONSENT_INVOKE})
ACTIVITY_TYPES = frozenset(t.value for t in ActivityTypes)


class Refused(Exception):
    """The request is refused; `reason` is a fixed code, safe to log."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.message = status, reason, message


def parse_activity(body: Any) -> Activity:
    """A botbuilder Activity from a JSON body, or `Refused(400)` naming the broken field.
    Checked by hand first because msrest's deserializer accepts almost anything and the
    handlers trust the types it promises (a `text` that is a list, a `from` without id)."""
    _check_shape(body)
    try:
        return Activity().deserialize(_mended(body))
    except Exception:  # msrest raises several kinds; any of them means "not an activity"
        raise Refused(400, "not-an-activity", "The body is not an activity.") from None


def _mended(value: Any, card_action: bool = False) -> Any:
    """Every string with any lone surrogate replaced (no store could keep it), except the
    inputs of a card, which its parser checks field by field and answers kindly."""
    if isinstance(value, str):
        return mended_text(value)
    if isinstance(value, list):
        return [_mended(item) for item in value]
    if isinstance(value, dict):
        return {
            mended_text(k): v if card_action and k == "data" else _mended(v, k == "action")
            for k, v in value.items()
        }
    return value


def _check_shape(body: Any) -> None:
    if not isinstance(body, dict):
        _bad("body")
    if not isinstance(body.get("type"), str) or body["type"] not in ACTIVITY_TYPES:
        _bad("type")
    for name in ("id", "channelId", "name", "replyToId", "locale", "action", "text"):
        _optional_str(body, name)
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        _bad("serviceUrl")
    _account(body.get("from"), "from")
    _account(body.get("recipient"), "recipient")
    conversation = _account(body.get("conversation"), "conversation")
    for name in ("tenantId", "tenantID"):
        _optional_str(conversation, name, "conversation")
    channel_data = body.get("channelData")
    if channel_data is not None:
        if not isinstance(channel_data, dict):
            _bad("channelData")
        tenant = channel_data.get("tenant")
        if tenant is not None:
            if not isinstance(tenant, dict):
                _bad("channelData.tenant")
            _optional_str(tenant, "id", "channelData.tenant")
    for name in ("membersAdded", "membersRemoved"):
        members = body.get(name)
        if members is not None:
            if not isinstance(members, list):
                _bad(name)
            for member in members:
                _account(member, name)
    if body.get("deliveryMode") not in (None, "normal"):
        _bad("deliveryMode")  # expectReplies would send replies around the connector
    if body["type"] == ActivityTypes.invoke:
        # An invoke must be answered, and the bot answers only invokes it knows, from
        # people it can identify; anything else would end as botbuilder's 501. Add a name
        # to SUPPORTED_INVOKES when the bot learns to answer it.
        if not body["from"].get("aadObjectId"):
            _bad("from.aadObjectId")
        if body.get("name") not in SUPPORTED_INVOKES:
            _bad("name")
        if body["name"] == CARD_ACTION_INVOKE:
            _card_action_value(body.get("value"))
        elif not isinstance(body.get("value"), dict):  # a file consent: its parser reads it
            _bad("value")


def _card_action_value(value: Any) -> None:
    """The envelope Teams always sends for Action.Execute. What is inside `data` is the
    card parser's business: it answers a bad answer with a readable card, not an error."""
    if not isinstance(value, dict):
        _bad("value")
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        _bad("value.action")
    if not isinstance(action.get("verb"), str):
        _bad("value.action.verb")
    if action.get("data") is not None and not isinstance(action.get("data"), dict):
        _bad("value.action.data")


def _account(account: Any, where: str) -> dict[str, Any]:
    """A ChannelAccount or ConversationAccount: an object with a non-empty string id."""
    if not isinstance(account, dict):
        _bad(where)
    if not isinstance(account.get("id"), str) or not account["id"]:
        _bad(f"{where}.id")
    for name in ("name", "aadObjectId", "role", "conversationType"):
        _optional_str(account, name, where)
    return account


def _optional_str(holder: dict[str, Any], name: str, where: str = "") -> None:
    value = holder.get(name)
    if value is not None and not isinstance(value, str):
        _bad(f"{where}.{name}" if where else name)


def _bad(field: str) -> NoReturn:
    raise Refused(400, f"bad-activity:{field}", f"The activity's {field} is missing or malformed.")
