"""Discover stage: related papers, topics and the map, from tf-idf vectors of the whole corpus.

``stage`` runs the steps in a child process beside the build: ``vectors`` (tf-idf and an SVD
embedding), ``related`` (nearest neighbours and the terms they share), ``topics`` (NMF) and
``layout`` (map positions).
"""
