"""Writes of the assembly, by subject: sittings, attendance, reports, votes and acts. Each is
one transaction and leaves an audit row. Reads (presence, quorum) are in `selectors`."""

from .acts import (
    deliberation_acknowledge,
    deliberation_publish,
    deliberation_transmit,
    next_number,
    report_adopt,
)
from .attendance import (
    apply_online_proxies,
    attendance_mark_all_present,
    attendance_record,
    online_proxy_record,
    proxy_record,
    proxy_remove,
    roll_call,
)
from .convocations import (
    convocation_acknowledge,
    convocations_send,
    proxy_give_online,
    proxy_withdraw_online,
)
from .minutes import minutes_adopt, minutes_publish, minutes_sign
from .reports import (
    opinion_record,
    report_save,
    report_send,
)
from .sittings import (
    sitting_create,
    sitting_update,
)
from .votes import (
    item_open,
    item_vote_by_group,
    item_vote_roll_call,
)

__all__ = [
    "deliberation_publish",
    "deliberation_acknowledge",
    "deliberation_transmit",
    "next_number",
    "report_adopt",
    "minutes_adopt",
    "minutes_publish",
    "minutes_sign",
    "apply_online_proxies",
    "roll_call",
    "attendance_mark_all_present",
    "online_proxy_record",
    "convocation_acknowledge",
    "convocations_send",
    "proxy_give_online",
    "proxy_withdraw_online",
    "attendance_record",
    "proxy_record",
    "proxy_remove",
    "opinion_record",
    "report_save",
    "report_send",
    "sitting_create",
    "sitting_update",
    "item_open",
    "item_vote_by_group",
    "item_vote_roll_call",
]
