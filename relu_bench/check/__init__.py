"""Checking a change: BASE against HEAD timed, compared by the rule, tabled and commented on; the check measuring
itself."""
