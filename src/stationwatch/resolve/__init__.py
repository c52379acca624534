"""Entity resolution for stations: which claims, from which sources, are about the same station.

places.py (canonical place of a locality string), operators.py (canonical bureau), score.py
(pair scores with reasons), resolver.py (records, blocking, clustering under judgements),
review.py (what `stationwatch resolve` calls). stations.group is the entry point the rest of
the code uses.
"""
