"""Settings for the benchmarks: the production settings with DEBUG off.

The only difference from ``config.settings`` is the static-files storage. Production uses
WhiteNoise's manifest storage, which needs ``collectstatic`` first; copying and compressing
``node_modules`` would take longer than the benchmark itself. The plain storage resolves
``{% static %}`` by string concatenation, which is as cheap as a manifest lookup.
``bench_school_list.py`` sets ``SAFECAMPUS_VAR`` and ``DATABASE_URL`` before this module loads.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
