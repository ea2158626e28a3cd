"""Settings for both suites under tests/."""

from hypothesis import settings

# Speed is measured in bench/, beside a floor, never in a test: hypothesis's per-example
# deadline would fail a correct rule on a busy machine, so it is off.
settings.register_profile("gatepost", deadline=None)
settings.load_profile("gatepost")
