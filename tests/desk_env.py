"""Loaded with ``-p tests.desk_env`` (pyproject addopts) before pytest-django reads the settings.

The settings do not guess whether they run under a test: this says so explicitly
(``DESK_TESTING=1``: a throwaway secret, tasks run inline, fast password hashing, no pool).
Subprocesses the tests start inherit it unless they set their own.
"""

import os

os.environ.setdefault("DESK_TESTING", "1")
