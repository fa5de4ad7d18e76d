"""What Scrapy runs, in the order a capture passes through it:

- ``sites``: the registry rows a crawl is given; ``run``: one crawl of them (``settings`` are Scrapy's);
- ``spiders/`` (beside this package) turn each site's pages into requests and captures;
- ``fetch/``: the downloader's way out and back — hosts a site may reach, blocked hosts,
  ``Retry-After``, redirect guards, conditional requests from the archive, the wire record for WARC,
  AutoThrottle, Chromium for scripted pages, and parsed pages dropped after their callback;
- ``store/``: the capture's way into the archive — the pipeline hands it to the writer process
  (``archive_process`` → ``archive_thread``), which stores bytes, row and WARC copy, and feeds the
  extraction pool (``extraction``) with the documents it holds but has not read;
- ``distributed/``: the same crawl over several machines (a Redis frontier; one archive writer);
- ``progress`` and ``summary_text``: what a person sees while it runs and when it ends.

The command line (``commands/``) calls ``run``; nothing here imports it.
"""

import os

# Scrapy's cookie middleware splits domains with tldextract, which fetches the Public Suffix List
# from the internet the first time it runs on a machine (a DNS query and a traceback where there is
# no network, 1.2 s here). A crawler talks to the portals only: tldextract's bundled snapshot is used
# (set the variable to a list's URL to fetch a newer one).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
