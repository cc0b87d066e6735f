"""Output stage: writing the site, reusing the previous one, and the files beside the pages.

``writer`` writes into a staging folder and swaps it in; ``cache`` keeps the manifest of the last
build; ``produce`` renders and writes every unit, on workers too; ``feeds`` makes the Atom feeds,
sitemap and robots.txt; ``check`` checks every link of a built site.
"""
