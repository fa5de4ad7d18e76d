"""A replica of government portals, served on loopback addresses: the offline demo's target and the
crawler's test bed. Every page is rendered from a known report model, so the true numbers are known.

- ``reports``: the report model, consistent random reports, HTML and text renderers.
- ``portals``: the world — which portals exist and what their annual-report columns list.
- ``trs``, ``hanweb``, ``gkmlpt``: how each CMS platform lays those out as URLs and pages.
- ``pages``: responses and the chrome shared by every portal page.
- ``antibot``: the 瑞数 412 and 加速乐 521 cookie challenges and a WAF block, in front of a portal.
- ``hard``: the portals real crawling needs beyond the demo five (``build_world(hard=True)``) and the
  thousand-page scale world (``build_scale_world()``).
- ``server``: ``Replica.start()`` — one HTTP server per portal; ``.sites``, ``.truth``, ``.faults``,
  ``.changes``, ``.stats()``; ETag/Last-Modified and 304s on every page.
"""
