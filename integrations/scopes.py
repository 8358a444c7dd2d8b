"""What a key may do. A key alone acts as the marketplace; with `Parley-On-Behalf-Of` it acts
as one of its users, with that user's permissions and no more.

- `users`: provision and read users, make login links (`POST/GET /users`, `…/login-links`)
- `events`: read `GET /events`
- `webhooks`: manage webhook endpoints (test, rotate, retry, list)
- `act`: act on behalf of a (non-staff) user
- `staff`: act on behalf of a staff user as well. Never given unless asked for, so that a
  leaked backend key cannot reach the administration's powers through a staff account.
"""

from __future__ import annotations

USERS = "users"
EVENTS = "events"
WEBHOOKS = "webhooks"
ACT = "act"
STAFF = "staff"

ALL = (USERS, EVENTS, WEBHOOKS, ACT, STAFF)
DEFAULT = (USERS, EVENTS, WEBHOOKS, ACT)
