"""Pure queue rules (stdlib only): ticket states, numbering periods, call-next policy, ETA, errors.

Nothing here touches a database, a request or the clock: time comes in as `now`, data as values.
"""
