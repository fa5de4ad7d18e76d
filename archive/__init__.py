"""The archive: one SQLite file and a content-addressed blob folder (``archive.store``)."""
import sys

# sqlite-utils imports pandas and numpy whenever they are installed (they are: exports use them),
# only to accept their values in inserts, which the archive never passes. That cost ~80 MB of memory
# and ~1 s of start-up in every process that opens an archive (a crawl among them), so they are
# hidden while it is imported; whatever needs them later imports them as usual.
if "sqlite_utils" not in sys.modules:
    _hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(_hidden))  # a None entry makes "import pandas" raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for _name in _hidden:
            del sys.modules[_name]
