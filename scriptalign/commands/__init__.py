"""One module per CLI verb (see ``scriptalign.cli``)."""
