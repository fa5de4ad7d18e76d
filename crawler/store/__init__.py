"""A capture's way into the archive: pipeline → writer process → writer thread; the extraction pool beside it."""
