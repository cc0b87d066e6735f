"""Pages stage: every page of the site, the data its template gets, and the Jinja2 rendering.

``render`` makes the environment (the ``url`` function, autoescaping) and renders one page;
``explore`` completes pages with what the discovery found; ``charts`` computes the SVG geometry.
"""
