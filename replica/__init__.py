"""A replica of government portals, served on loopback addresses: the offline demo's target and the
crawler's test bed. Every page is rendered from a known report model, so the true numbers are known.

- ``reports``: the report model, consistent random reports, HTML and text renderers.
- ``portals``: the world — which portals exist and what their annual-report columns list.
- ``trs``, ``hanweb``: how each CMS platform lays those out as URLs and pages.
- ``pages``: responses and the chrome shared by every portal page.
- ``server``: ``Replica.start()`` — one HTTP server per portal; ``.sites``, ``.truth``, ``.faults``.
"""
