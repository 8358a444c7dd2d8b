"""How long a piece of text may be, by what it is. Models, API schemas and forms take their
limits from here, so a field accepts the same text however it arrives."""

from __future__ import annotations

# What people write.
LONG_TEXT = 5000  # messages, descriptions, delivery and decision notes, questions, answers, appeals
NOTE = 2000  # proposal notes, reasons for a suspension, the desk's introduction and channels
CANCEL_REASON = 1000  # why a seller cancelled, shown to the buyer
TITLE = 120  # a listing's title
LINE = 200  # one line: a notification's title, a webhook's description, opening hours
NAME = 100  # what an API key is called
EVENT_LIST = 2000  # the event codes a webhook hears, as typed into the staff page

# Who people are.
USERNAME = 150  # Django's own limit for usernames
DISPLAY_NAME = 150
PASSWORD = 200
EMAIL = 254  # RFC 5321's longest address
EXTERNAL_ID = 200  # a marketplace's own id of its user

# Where a link leads.
LOCAL_PATH = 2000  # a path of this site a login link goes on to
