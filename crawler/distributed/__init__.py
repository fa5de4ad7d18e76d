"""A crawl on several machines: workers share a Redis frontier (``worker``); one process writes the archive (``writer``)."""
