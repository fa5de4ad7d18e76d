"""Imported first by the extraction pool's forkserver (``pool.PRELOAD``), and by nothing else: the
forkserver lowers its own priority before it imports every reader — seconds of CPU, spent while the
crawl is downloading — and the children it forks inherit it (each lowers it again, ``isolation``)."""
from .isolation import lower_priority

lower_priority()
