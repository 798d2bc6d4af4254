"""The instance operator's view of every event: tiers, limits, suspension, deletion, usage, data care.

Above the domains (it reads events, people and rooms' metering) and below web: the operator's API,
the ``unconf admin`` commands and the operator page all call ``instance.services``, so a rule exists once.
"""
