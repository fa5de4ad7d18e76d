"""The downloader's side of a crawl: what may be fetched, how, and what is noted on the way (settings.py orders them)."""
