"""Settings for the test run: the desk's settings, told explicitly that they run under test.

``DESK_TESTING=1`` gives a throwaway secret, inline tasks, fast password hashing and no
connection pool. A subprocess a test starts with its own ``DESK_TESTING`` keeps it.
"""

import os

os.environ.setdefault("DESK_TESTING", "1")

from newsroom.settings import *  # noqa: E402, F403

# The suite's made-up translations are "English for: <the Cyrillic source>", which the language
# check rightly refuses; the tests of that check (and of the demo's real English) turn it on.
DESK_LANGUAGE_CHECK = False
